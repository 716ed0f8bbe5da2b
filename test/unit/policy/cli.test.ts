import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerPolicyCommands } from '../../../src/cli/policy.js';
import { loadPolicyDir } from '../../../src/policy/load.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(args: string[], stdin = ''): Promise<Run> {
  const program = new Command().exitOverride();
  let out = '';
  let err = '';
  registerPolicyCommands(program, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    stdin: async () => stdin,
  });
  process.exitCode = 0;
  await program.parseAsync(args, { from: 'user' });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out, err };
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function copyPolicies(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-cli-'));
  fs.cpSync('policies', dir, { recursive: true });
  return dir;
}

afterEach(() => {
  process.exitCode = 0;
});

describe('policy check', () => {
  it('exits 0 and summarises a valid folder', async () => {
    const r = await run(['policy', 'check', 'policies']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^policies: valid, version [0-9a-f]{12}, \d+ providers, \d+ hosts, \d+ rules, 0 approved credentials, mode enforce\n$/,
    );
  });

  it('exits 1 with file:line: message lines for a broken folder', async () => {
    const r = await run(['policy', 'check', 'test/fixtures/policies/bad/wrong-version']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'test/fixtures/policies/bad/wrong-version/policy.yaml:1: version: must be 1, found 2\n',
    );
  });
});

describe('policy explain', () => {
  it('names the rule, reason and remedy, and never prints the credential', async () => {
    const r = await run([
      'policy',
      'explain',
      'POST',
      'https://api.anthropic.com/v1/messages/batches',
      '-H',
      'x-api-key: sk-ant-api03-SECRET-VALUE',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Decision:   BLOCK (reason data_retaining_endpoint, rule anthropic.batches)');
    expect(r.out).toContain(`fingerprint ${sha('sk-ant-api03-SECRET-VALUE')}`);
    expect(r.out).toContain('Remedy:');
    expect(r.out).not.toContain('SECRET');
  });

  it('reads a body file and prints JSON with --json', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-cli-body-'));
    const body = path.join(dir, 'body.json');
    fs.writeFileSync(body, JSON.stringify({ model: 'gpt-5', input: 'private prompt', background: true }));
    const r = await run([
      'policy',
      'explain',
      'POST',
      'https://api.openai.com/v1/responses',
      '-H',
      'Authorization: Bearer sk-proj-x',
      '--body',
      body,
      '--json',
    ]);
    const json = JSON.parse(r.out) as { decision: { reason: string }; facts: { bodyState: string } };
    // Not approved: the credential rule answers before the body is needed.
    expect(json.decision.reason).toBe('unapproved_credential');
    expect(r.out).not.toContain('private prompt');
    expect(r.out).not.toContain('sk-proj-x');
  });

  it('applies --mode report', async () => {
    const r = await run(['policy', 'explain', 'GET', 'https://chatgpt.com/', '--mode', 'report']);
    expect(r.out).toContain('Decision:   REPORT (reason consumer_surface, rule openai.chatgpt.com)');
  });

  it.each([
    [['policy', 'explain', 'GET', 'not a url'], 'the URL is not valid; write it as https://host/path\n'],
    [['policy', 'explain', 'GET', 'https://x.test/', '-H', 'novalue'], "each -H must read 'Name: value'\n"],
    [
      ['policy', 'explain', 'GET', 'https://x.test/', '--mode', 'off'],
      "--mode must be 'enforce' or 'report'\n",
    ],
    [
      ['policy', 'explain', 'GET', 'https://x.test/', '--body', '/nonexistent/body.json'],
      'cannot read --body /nonexistent/body.json (ENOENT)\n',
    ],
  ])('rejects bad input %j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(1);
    expect(r.err).toBe(message);
  });
});

describe('policy test', () => {
  it('passes the shipped case tables', async () => {
    const files = fs.readdirSync('test/policy-cases').map((f) => path.join('test/policy-cases', f));
    const r = await run(['policy', 'test', ...files]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\d+ passed, 0 failed\n$/);
  });

  it('exits 1 and names the failing case and its line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-cases-'));
    const file = path.join(dir, 'cases.yaml');
    fs.writeFileSync(
      file,
      `- name: wrong on purpose
  request: { method: GET, url: 'https://chatgpt.com/' }
  expect: { action: allow, reason: allowed }
- name: right
  request: { method: GET, url: 'https://chatgpt.com/' }
  expect: { action: block, reason: consumer_surface }
`,
    );
    const r = await run(['policy', 'test', file, '--policies', 'policies']);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      `FAIL ${file}:1: wrong on purpose: expected allow/allowed, got block/consumer_surface (rule openai.chatgpt.com)\n1 passed, 1 failed\n`,
    );
  });

  it('reports a malformed case file with file:line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zdr-cases-'));
    const file = path.join(dir, 'cases.yaml');
    fs.writeFileSync(
      file,
      "version: 1\ncases:\n  - name: x\n    request: { method: GET, url: 'https://a.test/' }\n    expect: { action: deny, reason: allowed }\n",
    );
    const r = await run(['policy', 'test', file]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `${file}:5: cases[0].expect.action: must be one of allow, block, report, warn, found "deny"\n`,
    );
  });
});

describe('fingerprint', () => {
  it('prints the SHA-256 of the credential without its trailing newline', async () => {
    const r = await run(['fingerprint'], 'sk-proj-abc\n');
    expect(r).toEqual({ code: 0, out: `${sha('sk-proj-abc')}\n`, err: '' });
  });
  it.each([
    ['', 'no credential on stdin; pipe it in: zdr-egress fingerprint < key.txt\n'],
    ['a\nb\n', 'stdin holds more than one line; give exactly one credential\n'],
  ])('rejects %j', async (stdin, message) => {
    const r = await run(['fingerprint'], stdin);
    expect(r.code).toBe(1);
    expect(r.err).toBe(message);
  });
});

describe('credential add, list, remove', () => {
  it('approves a key by fingerprint, keeps the comments, and never writes the key', async () => {
    const dir = copyPolicies();
    const r = await run(
      ['credential', 'add', '--provider', 'openai', '--label', 'prod ZDR', '--policies', dir],
      'sk-proj-SECRET\n',
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `approved ${sha('sk-proj-SECRET')} for openai (prod ZDR) in ${path.join(dir, 'credentials.yaml')}\n`,
    );
    const text = fs.readFileSync(path.join(dir, 'credentials.yaml'), 'utf8');
    expect(text).toContain('# ZDR-approved API credentials, by provider.');
    expect(text).toContain(`fingerprint: ${sha('sk-proj-SECRET')}`);
    expect(text).not.toContain('SECRET');
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    const p = loadPolicyDir(dir);
    expect(p.ok && p.policy.approved.get('openai')?.has(sha('sk-proj-SECRET'))).toBe(true);
  });

  it('creates credentials.yaml when it is missing', async () => {
    const dir = copyPolicies();
    fs.rmSync(path.join(dir, 'credentials.yaml'));
    const r = await run(
      ['credential', 'add', '--provider', 'anthropic', '--label', 'k', '--policies', dir],
      'sk-ant-api03-x',
    );
    expect(r.code).toBe(0);
    expect(loadPolicyDir(dir).ok).toBe(true);
  });

  it('refuses a duplicate, an unknown provider and an empty stdin', async () => {
    const dir = copyPolicies();
    await run(
      ['credential', 'add', '--provider', 'openai', '--label', 'first', '--policies', dir],
      'sk-proj-1',
    );
    const dup = await run(
      ['credential', 'add', '--provider', 'openai', '--label', 'again', '--policies', dir],
      'sk-proj-1',
    );
    expect(dup).toMatchObject({
      code: 1,
      err: "this credential is already approved for openai as 'first'\n",
    });
    const unknown = await run(
      ['credential', 'add', '--provider', 'openaii', '--label', 'x', '--policies', dir],
      'k',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(
      /^unknown provider 'openaii'; did you mean 'openai'\? providers: anthropic, arena, /,
    );
    const empty = await run(
      ['credential', 'add', '--provider', 'openai', '--label', 'x', '--policies', dir],
      '\n',
    );
    expect(empty.code).toBe(1);
  });

  it('lists and removes by label or fingerprint', async () => {
    const dir = copyPolicies();
    await run(
      ['credential', 'add', '--provider', 'openai', '--label', 'one', '--policies', dir],
      'sk-proj-1',
    );
    await run(
      ['credential', 'add', '--provider', 'anthropic', '--label', 'two', '--policies', dir],
      'sk-ant-api03-2',
    );
    const list = await run(['credential', 'list', '--policies', dir]);
    expect(list.out).toContain(`${sha('sk-proj-1')}  openai         one`);
    expect(list.out).toContain(`${sha('sk-ant-api03-2')}  anthropic      two`);
    const byLabel = await run(['credential', 'remove', 'one', '--policies', dir]);
    expect(byLabel.out).toBe(
      `removed ${sha('sk-proj-1')} (openai, one) from ${path.join(dir, 'credentials.yaml')}\n`,
    );
    const byFp = await run(['credential', 'remove', sha('sk-ant-api03-2').slice(0, 16), '--policies', dir]);
    expect(byFp.code).toBe(0);
    expect((await run(['credential', 'list', '--policies', dir])).out).toBe('no approved credentials\n');
    const none = await run(['credential', 'remove', 'nope', '--policies', dir]);
    expect(none).toMatchObject({
      code: 1,
      err: 'no approved credential has that fingerprint or label; see zdr-egress credential list\n',
    });
  });
});
