// The proxy publishes; it never imports the decision log or telemetry (STYLE.md layers).
// Subscribers are wired in main.ts. Publishing with no subscriber costs one property read.

import diagnostics from 'node:diagnostics_channel';
import {
  DECISION_CHANNEL,
  TUNNEL_CHANNEL,
  type DecisionRecord,
  type TunnelRecord,
} from '../domain/record.js';

const decisionChannel = diagnostics.channel(DECISION_CHANNEL);
const tunnelChannel = diagnostics.channel(TUNNEL_CHANNEL);
const faultChannel = diagnostics.channel('zdr-egress:fault');

export function publishDecision(record: DecisionRecord): void {
  if (decisionChannel.hasSubscribers) decisionChannel.publish(record);
}

export function publishTunnel(record: TunnelRecord): void {
  if (tunnelChannel.hasSubscribers) tunnelChannel.publish(record);
}

/** An internal fault, named by a stable code and the place it happened; never the error's message. */
export interface FaultEvent {
  readonly where: string;
  readonly code: string;
}

export function publishFault(where: string, err: unknown): void {
  if (!faultChannel.hasSubscribers) return;
  const code =
    err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string'
      ? err.code
      : err instanceof Error
        ? err.name
        : 'unknown';
  faultChannel.publish({ where, code } satisfies FaultEvent);
}

export const FAULT_CHANNEL = 'zdr-egress:fault';

/**
 * The answer to a request Node's parser refused (both HTTP/1.1 servers use it): the status comes
 * from the error code; nothing from the request is echoed.
 */
export function answerClientError(
  where: string,
  err: NodeJS.ErrnoException,
  socket: NodeJS.WritableStream & { destroyed: boolean; destroy(): void; writable: boolean },
): void {
  publishFault(where, err);
  if (!socket.writable || socket.destroyed) return void socket.destroy();
  const status =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? '408 Request Timeout'
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}
