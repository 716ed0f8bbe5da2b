// TEST-ONLY. ZDR_EGRESS_TEST_LEAK=body,header,query makes the proxy deliberately break zero
// retention, so that the zero-retention proof (test/zero-retention/) can show each of its checks
// finds a leak when there is one:
//   body    writes each inspected request body to stdout
//   header  keeps every request header value in memory for the life of the process
//   query   keeps the query string in the decision record's path, as a path segment ('?' -> '/'),
//           which passes the second guards that cut a path at '?' (row.ts, telemetry attributes)
// Read once, when this module loads. Unset (always, outside that test) every hook is a no-op.

import type { IncomingHttpHeaders } from 'node:http';

const LEAKS = ['body', 'header', 'query'] as const;
type Leak = (typeof LEAKS)[number];

const active = new Set<Leak>(
  (process.env.ZDR_EGRESS_TEST_LEAK ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is Leak => (LEAKS as readonly string[]).includes(s)),
);
if (active.size > 0)
  process.stderr.write(
    `zdr-egress: ZDR_EGRESS_TEST_LEAK=${[...active].join(',')}: this process deliberately leaks request content (test only)\n`,
  );

const retained: string[] = [];

export const testLeak = {
  body(bytes: Buffer | null): void {
    if (active.has('body') && bytes !== null)
      process.stdout.write(`test-leak body ${bytes.toString('utf8')}\n`);
  },
  headers(headers: IncomingHttpHeaders): void {
    if (!active.has('header')) return;
    for (const v of Object.values(headers))
      if (v !== undefined) retained.push(...(Array.isArray(v) ? v : [v]));
  },
  /** The record path: `path` (no query) unless the query leak is on. */
  recordPath(target: string, path: string): string {
    return active.has('query') ? target.replace('?', '/') : path;
  },
};
