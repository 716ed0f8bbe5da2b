// CSV (RFC 4180) for report exports. Hosts, paths and users are attacker-controlled: every field that
// needs it is quoted with inner quotes doubled, and a text cell that a spreadsheet would run as a
// formula (leading = + - @ tab or CR) gets a leading apostrophe (OWASP CSV injection advice).

export type CsvCell = string | number | null;

export function csvLine(cells: readonly CsvCell[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return csvLine(header) + rows.map(csvLine).join('');
}

export function csvCell(v: CsvCell): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
