// A realistic working session through zdr-egress, in which every prompt, response, header value,
// query string and credential carries a canary: the official SDKs allowed and blocked, streaming
// both ways, an upload over the inspection cap, a Realtime WebSocket, Chromium on blocked sites,
// malformed requests and upstream failures. It returns what the proxy itself generated (every
// error body, with its headers) and what each step saw, so the test can check the session really
// exercised each path.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import { ProxyAgent, request } from 'undici';
import type { Canaries } from './canaries.js';
import {
  browse,
  headerText,
  interceptedRaw,
  rawExchange,
  realtime,
  record,
  responseText,
} from './session-clients.js';

export interface SessionKeys {
  readonly openai: string;
  readonly anthropic: string;
}

export interface SessionTarget {
  readonly proxyUrl: string;
  /** PEM the clients trust for the proxy's leaves (the CA and its chain). */
  readonly trustPem: string;
  /** SPKI hash Chromium accepts (--ignore-certificate-errors-spki-list). */
  readonly caSpki: string;
  readonly inspectionCapBytes: number;
}

export interface GeneratedBody {
  readonly step: string;
  readonly status: number;
  /** Status line, headers and body as the client received them. */
  readonly text: string;
}

export interface SessionResult {
  readonly bodies: GeneratedBody[];
  /** step -> outcome (status code, 'ok', or an error code), for the non-vacuity checks. */
  readonly outcomes: Map<string, string>;
  /** Response canaries the clients received through the proxy (proves content flowed). */
  readonly received: string[];
  /** Closes the SDK clients' pooled connections, which stay open (idle) until then. */
  closeClients(): Promise<void>;
}

export async function runSession(
  t: SessionTarget,
  c: Canaries,
  keys: SessionKeys,
  /** Debugging aid: called after each step (e.g. to watch the proxy's connection gauges). */
  afterStep?: (step: string) => Promise<void>,
): Promise<SessionResult> {
  const bodies: GeneratedBody[] = [];
  const outcomes = new Map<string, string>();
  const received: string[] = [];
  // Idle pooled connections stay open after the session, as a real client's would.
  const dispatcher = new ProxyAgent({
    uri: t.proxyUrl,
    requestTls: { ca: t.trustPem },
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
  });
  // Node's fetch takes npm undici's dispatcher at runtime; their FormData typings differ.
  const fetchOptions = { dispatcher: dispatcher as unknown as NonNullable<RequestInit['dispatcher']> };
  const fetchFor =
    (step: string) =>
    async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const res = await fetch(input, init);
      if (res.status >= 400) bodies.push({ step, status: res.status, text: await responseText(res.clone()) });
      return res;
    };
  const attempt = async (step: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      const r = await fn();
      outcomes.set(step, typeof r === 'string' ? r : 'ok');
    } catch (err) {
      const e = err as { status?: number; code?: string; name?: string };
      outcomes.set(step, String(e.status ?? e.code ?? e.name ?? 'error'));
    }
    await afterStep?.(step);
  };
  const collect = (text: string | null | undefined): void => {
    for (const m of (text ?? '').matchAll(/CANARY-response[a-z-]*-[0-9a-f]+-\d+/g)) received.push(m[0]);
  };

  const openai = (step: string, apiKey: string, baseURL = 'https://api.openai.com/v1'): OpenAI =>
    new OpenAI({
      apiKey,
      baseURL,
      maxRetries: 0,
      fetch: fetchFor(step),
      fetchOptions,
      defaultHeaders: { 'x-team-note': c.next('header'), 'openai-project': c.next('header') },
      defaultQuery: { trace: c.next('query') },
    });
  const anthropic = (step: string, apiKey: string): Anthropic =>
    new Anthropic({
      apiKey,
      baseURL: 'https://api.anthropic.com',
      maxRetries: 0,
      fetch: fetchFor(step),
      fetchOptions,
      defaultHeaders: { 'x-team-note': c.next('header') },
    });
  const chat = (content: string, extra: Record<string, unknown> = {}) => ({
    model: 'gpt-4.1',
    messages: [{ role: 'user' as const, content }],
    user: c.next('prompt'),
    ...extra,
  });

  // --- OpenAI SDK: allowed, streaming, blocked, upload, over the cap, upstream failures.
  await attempt('openai.chat', async () => {
    const r = await openai('openai.chat', keys.openai).chat.completions.create(chat(c.next('prompt')));
    collect(r.choices[0]?.message.content);
  });
  await attempt('openai.chat.stream', async () => {
    const stream = await openai('openai.chat.stream', keys.openai).chat.completions.create({
      ...chat(c.next('prompt')),
      stream: true,
    });
    for await (const chunk of stream) collect(chunk.choices[0]?.delta.content);
  });
  await attempt('openai.unapproved', () =>
    openai('openai.unapproved', `sk-proj-${c.next('credential')}-T3BlbkFJxx`).chat.completions.create(
      chat(c.next('prompt')),
    ),
  );
  await attempt('openai.store', () =>
    openai('openai.store', keys.openai).responses.create({
      model: 'gpt-4.1',
      input: c.next('prompt'),
      store: true,
    }),
  );
  await attempt('openai.transcription', async () => {
    const file = await toFile(Buffer.from(`${c.next('upload')} RIFF....WAVE`), 'meeting.wav');
    const r = await openai('openai.transcription', keys.openai).audio.transcriptions.create({
      file,
      model: 'whisper-1',
    });
    collect(r.text);
  });
  await attempt('openai.over_cap', () =>
    openai('openai.over_cap', keys.openai).chat.completions.create(
      chat(`${c.next('upload')} ${'lorem ipsum '.repeat(Math.ceil((t.inspectionCapBytes * 2) / 12))}`),
    ),
  );
  await attempt('openai.upstream_down', () =>
    openai('openai.upstream_down', keys.openai, 'https://eu.api.openai.com/v1').chat.completions.create(
      chat(c.next('prompt')),
    ),
  );
  await attempt('openai.upstream_drop', () =>
    openai('openai.upstream_drop', keys.openai).embeddings.create({
      model: 'text-embedding-3-small',
      input: c.next('prompt'),
    }),
  );

  // --- Anthropic SDK: allowed, streaming, blocked.
  await attempt('anthropic.messages', async () => {
    const r = await anthropic('anthropic.messages', keys.anthropic).messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      system: c.next('prompt'),
      messages: [{ role: 'user', content: c.next('prompt') }],
    });
    for (const block of r.content) if (block.type === 'text') collect(block.text);
  });
  await attempt('anthropic.stream', async () => {
    const stream = anthropic('anthropic.stream', keys.anthropic).messages.stream({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [{ role: 'user', content: c.next('prompt') }],
    });
    stream.on('text', (delta) => collect(delta));
    await stream.finalMessage();
  });
  await attempt('anthropic.unapproved', () =>
    anthropic('anthropic.unapproved', `sk-ant-api03-${c.next('credential')}-AA`).messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      messages: [{ role: 'user', content: c.next('prompt') }],
    }),
  );

  // --- A credential in the query string (Gemini's ?key=), not approved.
  await attempt('gemini.query_key', async () => {
    const res = await request(
      `https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent?key=AIza${c.next('credential')}`,
      {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', 'x-goog-user-project': c.next('header') },
        body: JSON.stringify({ contents: [{ parts: [{ text: c.next('prompt') }] }] }),
      },
    );
    const text = await res.body.text();
    bodies.push({ step: 'gemini.query_key', status: res.statusCode, text: headerText(res.headers) + text });
    return String(res.statusCode);
  });

  // --- Malformed JSON and a Host header naming another host, inside the intercepted connection.
  await attempt('openai.bad_json', async () => {
    const res = await request(`https://api.openai.com/v1/chat/completions?trace=${c.next('query')}`, {
      method: 'POST',
      dispatcher,
      headers: { authorization: `Bearer ${keys.openai}`, 'content-type': 'application/json' },
      body: `{"model":"gpt-4.1","messages":[{"role":"user","content":"${c.next('prompt')}"}`,
    });
    const text = await res.body.text();
    bodies.push({ step: 'openai.bad_json', status: res.statusCode, text: headerText(res.headers) + text });
    return String(res.statusCode);
  });
  await attempt('intercepted.host_mismatch', () =>
    interceptedRaw(t, 'api.openai.com', [
      `POST /v1/chat/completions?trace=${c.next('query')} HTTP/1.1`,
      `Host: ${c.next('header').toLowerCase()}.example`,
      `Authorization: Bearer ${keys.openai}`,
      'Content-Type: application/json',
      'Connection: close',
      'Content-Length: 2',
      '',
      '{}',
    ]).then((text) => record(bodies, 'intercepted.host_mismatch', text)),
  );
  await attempt('intercepted.malformed', () =>
    interceptedRaw(t, 'api.openai.com', [
      `GET /v1/models?x=${c.next('query')} HTTP/1.1`,
      'Host: api.openai.com',
      `X-Broken: ${c.next('header')}\u0001\u0002`,
      `Authorization Bearer ${keys.openai}`,
      '',
      '',
    ]).then((text) => record(bodies, 'intercepted.malformed', text)),
  );

  // --- Malformed requests on the proxy port itself.
  const { hostname, port } = new URL(t.proxyUrl);
  const raw = (step: string, lines: string[]): Promise<void> =>
    attempt(step, () =>
      rawExchange(hostname, Number(port), lines.join('\r\n')).then((text) => record(bodies, step, text)),
    );
  await raw('proxy.origin_form', [
    `GET /?q=${c.next('query')} HTTP/1.1`,
    'Host: proxy',
    `Cookie: s=${c.next('header')}`,
    '',
    '',
  ]);
  await raw('proxy.garbage', [`\u0000\u0001${c.next('header')} NOT HTTP`, '', '']);
  await raw('proxy.bad_header', [
    `GET http://chatgpt.com/?q=${c.next('query')} HTTP/1.1`,
    'Host: chatgpt.com',
    `X-Bad: ${c.next('header')}\u0000`,
    '',
    '',
  ]);
  await raw('proxy.plain_blocked', [
    `POST http://chatgpt.com/backend-api/conversation?q=${c.next('query')} HTTP/1.1`,
    'Host: chatgpt.com',
    `Cookie: __Secure-next-auth.session-token=${c.next('credential')}`,
    'Content-Type: application/json',
    'Connection: close',
    `Content-Length: ${Buffer.byteLength(`{"prompt":"${'x'}"}`)}`,
    '',
    `{"prompt":"x"}`,
  ]);
  await raw('plain.upstream_down', [
    `GET http://www.example.test/search?q=${c.next('query')} HTTP/1.1`,
    'Host: www.example.test',
    `Authorization: Basic ${c.next('credential')}`,
    'Connection: close',
    '',
    '',
  ]);

  // --- The Realtime API over a WebSocket in a CONNECT tunnel, allowed then blocked.
  await attempt('realtime.allowed', () => realtime(t, c, keys.openai, received));
  await attempt('realtime.unapproved', () =>
    realtime(t, c, `sk-proj-${c.next('credential')}-T3BlbkFJxx`, received).catch(
      (err: Error & { body?: string }) => {
        if (err.body !== undefined) bodies.push({ step: 'realtime.unapproved', status: 403, text: err.body });
        throw err;
      },
    ),
  );

  // --- Chromium on blocked consumer sites, with a session cookie and a header carrying canaries.
  await attempt('browser', () => browse(t, c, bodies));

  return { bodies, outcomes, received, closeClients: () => dispatcher.close() };
}
