// Reads a request body for inspection, up to the inspection cap and no further. The bytes are kept
// only until the request ends; `wipe` zero-fills them so no prompt outlives its request in memory.

import type { Readable } from 'node:stream';

export type CappedBody =
  | { readonly kind: 'complete'; readonly bytes: Buffer }
  | { readonly kind: 'too_large'; readonly readBytes: number };

export function readCappedBody(stream: Readable, cap: number): Promise<CappedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      chunks.push(chunk);
      if (total > cap) {
        cleanup();
        stream.pause();
        for (const c of chunks) c.fill(0);
        resolve({ kind: 'too_large', readBytes: total });
      }
    };
    const onEnd = (): void => {
      cleanup();
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
      if (chunks.length > 1) for (const c of chunks) c.fill(0);
      resolve({ kind: 'complete', bytes });
    };
    const onError = (err: Error): void => {
      cleanup();
      for (const c of chunks) c.fill(0);
      reject(err);
    };
    const onClose = (): void => onError(new Error('request closed before its body ended'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

export function wipe(bytes: Buffer | null): void {
  if (bytes !== null) bytes.fill(0);
}
