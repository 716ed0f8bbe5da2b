// The fake providers of the session (one mockttp HTTPS server reached through --resolve): every
// response body and every response header value they send carries a canary, streaming or not.
import type { CompletedRequest } from 'mockttp';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import type { Canaries } from './canaries.js';

export interface Fakes {
  readonly upstream: FakeUpstream;
  /** Requests the fakes answered (to check the session really went through). */
  readonly seen: CompletedRequest[];
  stop(): Promise<void>;
}

const sse = (events: readonly (readonly [string | null, unknown])[]): string =>
  events
    .map(([event, data]) => `${event === null ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`)
    .join('');

export async function startFakes(c: Canaries): Promise<Fakes> {
  const upstream = await startFakeUpstream();
  const seen: CompletedRequest[] = [];
  await upstream.server.on('request', (req) => {
    seen.push(req);
  });
  const headers = (): Record<string, string> => ({
    'x-request-id': c.next('response-header'),
    'set-cookie': `__cf_bm=${c.next('response-cookie')}; Path=/; Secure`,
  });
  const wantsStream = async (req: CompletedRequest): Promise<boolean> =>
    ((await req.body.getJson().catch(() => null)) as { stream?: unknown } | null)?.stream === true;

  await upstream.server
    .forPost('/v1/chat/completions')
    .always()
    .thenCallback(async (req) => {
      const message = c.next('response');
      if (!(await wantsStream(req)))
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/json', ...headers() },
          json: {
            id: 'chatcmpl-zr',
            object: 'chat.completion',
            created: 1,
            model: 'gpt-4.1',
            choices: [{ index: 0, message: { role: 'assistant', content: message }, finish_reason: 'stop' }],
          },
        };
      const chunk = (delta: Record<string, unknown>, finish: string | null): unknown => ({
        id: 'chatcmpl-zr',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'gpt-4.1',
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/event-stream', ...headers() },
        body:
          sse([
            [null, chunk({ role: 'assistant', content: message }, null)],
            [null, chunk({ content: c.next('response-stream') }, null)],
            [null, chunk({}, 'stop')],
          ]) + 'data: [DONE]\n\n',
      };
    });

  await upstream.server
    .forPost('/v1/messages')
    .always()
    .thenCallback(async (req) => {
      const text = c.next('response');
      const message = {
        id: 'msg_zr',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-6',
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      };
      if (!(await wantsStream(req)))
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/json', ...headers() },
          json: message,
        };
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/event-stream', ...headers() },
        body: sse([
          [
            'message_start',
            { type: 'message_start', message: { ...message, content: [], stop_reason: null } },
          ],
          [
            'content_block_start',
            { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          ],
          [
            'content_block_delta',
            { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
          ],
          [
            'content_block_delta',
            {
              type: 'content_block_delta',
              index: 0,
              delta: { type: 'text_delta', text: c.next('response-stream') },
            },
          ],
          ['content_block_stop', { type: 'content_block_stop', index: 0 }],
          [
            'message_delta',
            {
              type: 'message_delta',
              delta: { stop_reason: 'end_turn', stop_sequence: null },
              usage: { output_tokens: 2 },
            },
          ],
          ['message_stop', { type: 'message_stop' }],
        ]),
      };
    });

  await upstream.server
    .forPost('/v1/audio/transcriptions')
    .always()
    .thenCallback(() => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json', ...headers() },
      json: { text: c.next('response') },
    }));
  // An upstream that drops the connection after accepting the request.
  await upstream.server.forPost('/v1/embeddings').always().thenCloseConnection();
  await upstream.server.forAnyWebSocket().always().thenEcho();
  await upstream.server
    .forAnyRequest()
    .always()
    .thenReply(404, JSON.stringify({ error: c.next('response-error') }), {
      'content-type': 'application/json',
    });
  return { upstream, seen, stop: () => upstream.stop() };
}
