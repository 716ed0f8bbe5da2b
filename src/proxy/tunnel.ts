// Raw tunnels for every host the policy does not name: bytes are copied, never decrypted.
// The upstream connection is opened while the ClientHello is still being peeked, so a raw tunnel
// pays no extra round trip for the check.

import { newDecisionId } from './ids.js';
import net from 'node:net';
import { publishTunnel } from './events.js';
import type { EgressGuard } from './egress-guard.js';
import type { ResolveOverride } from './upstream.js';

export interface TunnelTarget {
  readonly host: string;
  readonly port: number;
  readonly clientIp: string;
  readonly user: string | null;
}

export interface PendingTunnel {
  /** Sends the peeked bytes and starts copying both ways. */
  start(client: net.Socket, peeked: Buffer): void;
  /** The peek decided against this tunnel: drop the upstream connection. */
  cancel(): void;
}

/**
 * Where a tunnel goes: the --resolve override (allow-listed by the operator), or the one address
 * the egress guard resolved and checked. Throws EgressDeniedError for a refused destination.
 */
export async function tunnelDestination(
  overrides: ReadonlyMap<string, ResolveOverride>,
  guard: EgressGuard,
  host: string,
  port: number,
): Promise<{ address: string; port: number }> {
  const o = overrides.get(`${host}:${port}`);
  if (o !== undefined) return { address: o.address, port: o.addressPort };
  return { address: await guard.resolve(host), port };
}

/** The read buffer of a tunnel's upstream socket, held for the tunnel's life. */
const TUNNEL_READ_BYTES = 64 * 1024;

/** Dials the checked address right away, while the ClientHello is still being peeked. */
export function openTunnel(
  target: TunnelTarget,
  dest: { address: string; port: number },
  onClose: () => void,
): PendingTunnel {
  const id = newDecisionId();
  const ts = Date.now();
  let client: net.Socket | null = null;
  // Bytes before start() (a server that speaks first), copied out of the read buffer.
  let early: Buffer[] | null = [];
  // Downloads, the heavy direction, are read into one buffer per tunnel and written straight to the
  // client: no Buffer allocated per read (a 64 KiB ArrayBuffer each, which the GC then has to find)
  // and no stream events. While a write is queued its bytes still live in that buffer, so reading
  // pauses until the client drains.
  const upstream = net.connect({
    host: dest.address,
    port: dest.port,
    onread: {
      buffer: Buffer.allocUnsafe(TUNNEL_READ_BYTES),
      callback: (n: number, buf: Uint8Array): boolean => {
        const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
        if (client === null || early !== null) {
          (early ??= []).push(Buffer.from(chunk));
          return true;
        }
        client.write(chunk);
        return client.writableLength === 0;
      },
    },
  });
  upstream.setNoDelay(true);
  let cancelled = false;
  let closedSides = 0;
  // Both sides closed: the tunnel is over (a cancelled one is recorded by whoever cancelled it).
  const sideClosed = (): void => {
    if (++closedSides < 2 || cancelled) return;
    onClose();
    publishTunnel({
      id,
      ts,
      clientIp: target.clientIp,
      user: target.user,
      host: target.host,
      port: target.port,
      bytesUp: upstream.bytesWritten,
      bytesDown: upstream.bytesRead,
      durationMs: Date.now() - ts,
    });
  };

  upstream.on('error', () => {
    upstream.destroy();
    client?.destroy();
  });
  // Listened for from the start: the dial can fail, or the far end hang up, while the hello is peeked.
  upstream.once('close', () => {
    client?.destroy();
    sideClosed();
  });

  return {
    start(c, peeked) {
      client = c;
      client.on('error', () => {
        client?.destroy();
        upstream.destroy();
      });
      client.once('close', () => {
        upstream.destroy();
        sideClosed();
      });
      if (upstream.closed) {
        // Nothing to tunnel to: hand over what the far end said first, if anything, and close.
        for (const b of early ?? []) client.write(b);
        client.destroySoon();
        return;
      }
      if (peeked.length > 0) upstream.write(peeked);
      client.pipe(upstream);
      for (const b of early ?? []) client.write(b);
      early = null;
      client.on('drain', () => upstream.resume());
      upstream.once('end', () => client?.end());
      client.resume();
    },
    cancel() {
      if (cancelled) return;
      cancelled = true;
      upstream.destroy();
      onClose();
    },
  };
}
