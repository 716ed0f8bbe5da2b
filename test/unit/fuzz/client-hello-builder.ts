// Builds TLS ClientHello records byte by byte (RFC 8446 §4.1.2, RFC 6066 §3), so that fuzz and
// hostile-input tests can shape every field: extension lists, server_name entries, record framing.

export interface HelloExtension {
  readonly type: number;
  readonly data: Uint8Array;
}

export interface HelloSpec {
  readonly sessionId?: Uint8Array;
  readonly cipherSuites?: readonly number[];
  /** Omit the extensions block entirely (a legal, pre-TLS-1.2 shape). */
  readonly noExtensions?: boolean;
  readonly extensions?: readonly HelloExtension[];
}

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u24 = (n: number): number[] => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

/** A server_name extension holding the given (name_type, name) entries, in order. */
export function serverNameExtension(entries: readonly { type?: number; name: Uint8Array }[]): HelloExtension {
  const list: number[] = [];
  for (const e of entries) list.push(e.type ?? 0, ...u16(e.name.length), ...e.name);
  return { type: 0x0000, data: Uint8Array.from([...u16(list.length), ...list]) };
}

export function hostName(name: string): Uint8Array {
  return Uint8Array.from(Buffer.from(name, 'latin1'));
}

/** The handshake message (type 1, length, body) without record framing. */
export function clientHelloMessage(spec: HelloSpec = {}): Buffer {
  const sessionId = spec.sessionId ?? new Uint8Array(32).fill(7);
  const suites = spec.cipherSuites ?? [0x1301, 0x1302, 0xc02b, 0xc02f];
  const body: number[] = [0x03, 0x03, ...new Array<number>(32).fill(0x42), sessionId.length, ...sessionId];
  body.push(...u16(suites.length * 2));
  for (const s of suites) body.push(...u16(s));
  body.push(0x01, 0x00); // compression: null only
  if (spec.noExtensions !== true) {
    const ext: number[] = [];
    for (const e of spec.extensions ?? []) ext.push(...u16(e.type), ...u16(e.data.length), ...e.data);
    body.push(...u16(ext.length), ...ext);
  }
  return Buffer.from([0x01, ...u24(body.length), ...body]);
}

/** Frames a handshake message into TLS records of at most `recordSize` bytes each. */
export function frame(message: Uint8Array, recordSize = 16384): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < message.length; i += recordSize) {
    const part = message.subarray(i, i + recordSize);
    out.push(Buffer.from([0x16, 0x03, 0x01, ...u16(part.length)]), Buffer.from(part));
  }
  return Buffer.concat(out);
}

export function clientHello(spec: HelloSpec = {}, recordSize?: number): Buffer {
  return frame(clientHelloMessage(spec), recordSize);
}
