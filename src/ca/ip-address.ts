// IP literals as the bytes X.509 stores in iPAddress names (4 bytes for IPv4, 16 for IPv6).
// Kept here rather than borrowed from node:net, whose only importer is src/proxy/.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseIp(raw: string): Buffer | null {
  const host = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (IPV4.test(host)) return Buffer.from(host.split('.').map(Number));
  return host.includes(':') ? parseIpv6(host) : null;
}

function parseIpv6(host: string): Buffer | null {
  if (!/^[0-9a-fA-F:.]+$/.test(host)) return null;
  const halves = host.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string | undefined): number[] | null => {
    if (part === undefined || part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIp(piece);
        if (v4 === null || v4.length !== 4) return null;
        out.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else return null;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** `10.0.0.0/8` or `::/0` from the address and mask bytes of an iPAddress name constraint. */
export function formatIpRange(address: Buffer, mask: Buffer): string {
  const prefix = [...mask].reduce((n, byte) => n + byte.toString(2).replace(/0/g, '').length, 0);
  if (address.length === 4) return `${[...address].join('.')}/${prefix}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(address.readUInt16BE(i).toString(16));
  const text = groups
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:::+/, '::');
  return `${text}/${prefix}`;
}
