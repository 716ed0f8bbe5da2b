// The zero-retention proof. A realistic session runs through zdr-egress as a child process; every
// prompt, response, header value, query string and credential carries a canary. Afterwards no
// canary may be found in any sink: the SQLite files (-wal and -shm too, while running and after
// exit), stdout and stderr, every OTLP payload (traces, metrics, logs), every body the proxy
// generated, and the heap of the proxy process once its connections have closed.
//
// Each check is then shown able to fail: the same session with ZDR_EGRESS_TEST_LEAK=body,header,query
// (src/proxy/test-leak.ts) must make every sink's check find a canary of the kind that leak puts there.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intermediateCertsDir } from '../helpers/sdk.js';
import { findCanaries, kinds, type Finding } from './canaries.js';
import { ensureBuilt } from './child.js';
import { runProof, type ProofRun } from './proof.js';

const SINKS = {
  stdio: /^(stdout|stderr)$/,
  sqlite: /^sqlite /,
  otlpTraces: /^otlp traces /,
  otlpMetrics: /^otlp metrics /,
  otlpLogs: /^otlp logs /,
  generated: /^generated body: /,
};

function findings(run: ProofRun, sink: RegExp): Finding[] {
  return run.sinks
    .filter((s) => sink.test(s.name))
    .flatMap((s) => findCanaries(s.name, s.bytes, run.canaries.nonce));
}

function heapFindings(run: ProofRun): Finding[] {
  return run.heapStrings
    .filter((s) => s.includes(run.canaries.nonce))
    .flatMap((s) => findCanaries('heap string', s, run.canaries.nonce));
}

/** A readable failure: which sink, which kind of content, and the bytes around it. */
function report(found: readonly Finding[]): string {
  return found
    .slice(0, 12)
    .map((f) => `  ${f.sink}: ${f.kind}: …${f.context}…`)
    .join('\n');
}

let certsDir: string;

beforeAll(() => {
  ensureBuilt();
  certsDir = intermediateCertsDir();
}, 120_000);

afterAll(() => {
  if (certsDir !== undefined) rmSync(certsDir, { recursive: true, force: true });
});

describe('zero retention: a realistic session leaves no trace of content', () => {
  let run: ProofRun;
  beforeAll(async () => {
    run = await runProof({ certsDir }, null);
  }, 90_000);
  afterAll(() => {
    if (run !== undefined) console.log(`zero-retention clean run: ${JSON.stringify(run.timings)}`);
  });

  it('really ran the session: content flowed both ways and every kind of exchange happened', () => {
    const o = Object.fromEntries(run.session.outcomes);
    expect(o).toMatchObject({
      'openai.chat': 'ok',
      'openai.chat.stream': 'ok',
      'openai.unapproved': '403',
      'openai.store': '403',
      'openai.transcription': 'ok',
      'openai.upstream_down': '502',
      'openai.upstream_drop': '502',
      'anthropic.messages': 'ok',
      'anthropic.stream': 'ok',
      'anthropic.unapproved': '403',
      'gemini.query_key': '403',
      'intercepted.host_mismatch': '403',
      'intercepted.malformed': '400',
      'proxy.origin_form': '400',
      'proxy.garbage': '400',
      'proxy.bad_header': '400',
      'proxy.plain_blocked': '403',
      'plain.upstream_down': '502',
      'realtime.allowed': '101',
      'realtime.unapproved': '403',
      browser: '403,403',
    });
    // Over the cap: a 403, or a reset if the client was still uploading; the decision says which rule.
    expect(o['openai.over_cap']).not.toBe('ok');
    const stdout = run.sinks.find((x) => x.name === 'stdout')?.bytes.toString('utf8') ?? '';
    expect(stdout).toContain('"reason":"body_too_large"');
    expect(['403', '400']).toContain(o['openai.bad_json']);
    // Response canaries reached the clients: plain, streamed (both SDKs), uploaded, and echoed frames.
    const got = run.session.received.join(' ');
    for (const kind of ['CANARY-response-', 'CANARY-response-stream-', 'CANARY-ws-frame-'])
      expect(got).toContain(kind);
  });

  it('leaves no canary in the SQLite database, its -wal and -shm, while running or after exit', () => {
    const sqlite = run.sinks.filter((s) => SINKS.sqlite.test(s.name));
    expect(sqlite.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'sqlite (running) decisions.db',
        'sqlite (running) decisions.db-wal',
        'sqlite (stopped) decisions.db',
      ]),
    );
    // Not vacuous: every decision is a row, and the scanned bytes hold the rows' metadata.
    expect(run.dbRows).toBe(run.decisions);
    expect(run.decisions).toBeGreaterThanOrEqual(18);
    expect(Buffer.concat(sqlite.map((s) => s.bytes)).includes('consumer_surface')).toBe(true);
    const found = findings(run, SINKS.sqlite);
    expect(found, report(found)).toEqual([]);
  });

  it('writes no canary to stdout or stderr', () => {
    const stdout = run.sinks.find((s) => s.name === 'stdout')?.bytes.toString('utf8') ?? '';
    expect(stdout.match(/"msg":"decision"/g)?.length ?? 0).toBe(run.decisions);
    expect(stdout).toContain('"msg":"fault"'); // trace level: faults and tunnels were logged too
    const found = findings(run, SINKS.stdio);
    expect(found, report(found)).toEqual([]);
  });

  it('exports no canary over OTLP, and all three signals arrived', () => {
    expect(run.otlpSignals.traces).toBeGreaterThan(0);
    expect(run.otlpSignals.metrics).toBeGreaterThan(0);
    expect(run.otlpSignals.logs).toBeGreaterThan(0);
    const text = (re: RegExp): string =>
      Buffer.concat(run.sinks.filter((s) => re.test(s.name)).map((s) => s.bytes)).toString('utf8');
    expect(text(SINKS.otlpTraces)).toContain('"zdr.decision"');
    expect(text(SINKS.otlpMetrics)).toContain('zdr_egress.decisions');
    expect(text(SINKS.otlpLogs)).toContain('zdr_egress.decision');
    const found = [
      ...findings(run, SINKS.otlpTraces),
      ...findings(run, SINKS.otlpMetrics),
      ...findings(run, SINKS.otlpLogs),
    ];
    expect(found, report(found)).toEqual([]);
  });

  it('generates no error body that quotes a canary (blocks, 400s, 502s, the browser block page)', () => {
    const bodies = run.session.bodies;
    expect(bodies.length).toBeGreaterThanOrEqual(18);
    expect(new Set(bodies.map((b) => b.status))).toEqual(new Set([400, 403, 502]));
    expect(bodies.some((b) => b.text.includes('<!doctype html>') || b.text.includes('<!DOCTYPE html>'))).toBe(
      true,
    );
    const found = findings(run, SINKS.generated);
    expect(found, report(found)).toEqual([]);
  });

  it('keeps no canary alive in the proxy heap once the requests have ended', () => {
    // The hard case: the clients' idle keep-alive connections (and the upstream pool) still open.
    expect(run.openAtSnapshot).toBeGreaterThan(0);
    // Not vacuous: the snapshot holds this run's live metadata (hosts, reason codes).
    expect(run.heapStrings.length).toBeGreaterThan(10_000);
    expect(run.heapStrings).toContain('api.openai.com');
    const found = [...heapFindings(run), ...findings(run, /^heap snapshot/)];
    expect(found, report(found)).toEqual([]);
  });

  it('exited cleanly on SIGTERM', () => {
    expect(run.exitCode).toBe(0);
  });
});

describe('each check can fail: the same session with ZDR_EGRESS_TEST_LEAK=body,header,query', () => {
  let run: ProofRun;
  beforeAll(async () => {
    run = await runProof({ certsDir }, 'body,header,query');
  }, 90_000);
  afterAll(() => {
    if (run !== undefined) console.log(`zero-retention leak run: ${JSON.stringify(run.timings)}`);
  });

  it('stdout check finds the request body the body leak printed', () => {
    expect(kinds(findings(run, SINKS.stdio))).toEqual(expect.arrayContaining(['prompt']));
  });

  // The query strings carry query canaries and, in Gemini's ?key=, a credential canary.
  const FROM_QUERY = ['credential', 'query'];

  it('SQLite check finds the query strings the query leak put in the record path', () => {
    expect(kinds(findings(run, SINKS.sqlite))).toEqual(FROM_QUERY);
  });

  it('OTLP check finds the query strings on spans and on decision log records', () => {
    expect(kinds(findings(run, SINKS.otlpTraces))).toEqual(FROM_QUERY);
    expect(kinds(findings(run, SINKS.otlpLogs))).toEqual(FROM_QUERY);
  });

  it('metrics carry no canary even then: their labels come from closed sets (by construction)', () => {
    expect(findings(run, SINKS.otlpMetrics)).toEqual([]);
  });

  it('generated-body check finds the query strings the block message quotes as part of the path', () => {
    expect(kinds(findings(run, SINKS.generated))).toEqual(FROM_QUERY);
  });

  it('heap check finds the header values the header leak keeps alive', () => {
    expect(kinds(heapFindings(run))).toEqual(expect.arrayContaining(['header', 'credential']));
  });
});
