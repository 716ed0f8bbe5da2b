// `zdr-egress policy check|explain|test`, `fingerprint` and `credential add|list|remove`.
// Results go to stdout, errors to stderr, and process.exitCode says which; a raw credential is read
// from stdin only and never printed or written.

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Mode } from '../domain/decision.js';
import { caseFileSources, parseCaseFile, runCases, type CaseResult } from '../classify/cases.js';
import { fingerprint } from '../classify/index.js';
import { simulate, DEFAULT_MAX_BODY } from '../classify/simulate.js';
import { buildPolicy, formatIssue, parseSource, type PolicySource } from '../policy/build.js';
import {
  addCredential,
  listCredentials,
  NEW_CREDENTIALS_FILE,
  removeCredential,
  type ApprovedCredential,
  type EditResult,
} from '../policy/credentials-edit.js';
import { explain } from '../policy/explain.js';
import { closest, type PolicyIssue } from '../policy/issues.js';
import { loadPolicyDir, readPolicySources } from '../policy/load.js';

export interface PolicyCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The whole of stdin (one credential). */
  readonly stdin: () => Promise<string>;
}

const DEFAULT_DIR = './policies';
const CREDENTIALS_FILE = 'credentials.yaml';

export function registerPolicyCommands(program: Command, io: Partial<PolicyCliIo> = {}): void {
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t));
  const stdin = io.stdin ?? readStdin;
  const fail = (message: string): void => {
    err(`${message}\n`);
    process.exitCode = 1;
  };
  const issues = (list: readonly PolicyIssue[]): void => {
    for (const i of list) err(`${formatIssue(i)}\n`);
    process.exitCode = 1;
  };

  const policy = program.command('policy').description('check, explain and test the policy folder');

  policy
    .command('check')
    .description('validate the policy folder: exit 0 when valid, else 1 with file:line: message lines')
    .argument('[dir]', 'policy folder', DEFAULT_DIR)
    .action((dir: string) => {
      const r = loadPolicyDir(dir);
      if (!r.ok) return issues(r.errors);
      const approved = [...r.policy.approved.values()].reduce((n, s) => n + s.size, 0);
      out(
        `${dir}: valid, version ${r.policy.version}, ${r.policy.providers.size} providers, ${r.policy.namedHosts.length} hosts, ${r.policy.rules.size} rules, ${approved} approved credentials, mode ${r.policy.mode}\n`,
      );
    });

  policy
    .command('explain')
    .description('show the decision, rule and reason for one request')
    .argument('<method>', 'HTTP method')
    .argument('<url>', 'https://host/path (wss:// for a WebSocket)')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable)", collect, [])
    .option('--body <file>', 'request body file (JSON)')
    .option('--policies <dir>', 'policy folder', DEFAULT_DIR)
    .option('--mode <mode>', 'override the mode: enforce or report')
    .option('--max-body <bytes>', 'inspection cap in bytes', String(DEFAULT_MAX_BODY))
    .option('--json', 'machine-readable output')
    .action(
      (
        method: string,
        url: string,
        o: {
          header: string[];
          body?: string;
          policies: string;
          mode?: string;
          maxBody: string;
          json?: boolean;
        },
      ) => {
        const mode = parseMode(o.mode);
        if (mode === null) return fail("--mode must be 'enforce' or 'report'");
        const r = loadPolicyDir(o.policies, mode === undefined ? {} : { mode });
        if (!r.ok) return issues(r.errors);
        const headers: [string, string][] = [];
        for (const h of o.header) {
          const colon = h.indexOf(':');
          if (colon <= 0) return fail("each -H must read 'Name: value'");
          headers.push([h.slice(0, colon).trim(), h.slice(colon + 1).trim()]);
        }
        let body: Uint8Array | undefined;
        if (o.body !== undefined) {
          try {
            body = new Uint8Array(fs.readFileSync(o.body));
          } catch (e) {
            return fail(`cannot read --body ${o.body} (${errCode(e)})`);
          }
        }
        const maxBody = Number(o.maxBody);
        if (!Number.isInteger(maxBody) || maxBody <= 0)
          return fail('--max-body must be a positive number of bytes');
        const sim = simulate({ method, url, headers, ...(body ? { body } : {}), maxBody }, r.policy);
        if (!sim.ok) return fail(sim.error);
        if (o.json === true) {
          out(
            `${JSON.stringify({ policyVersion: r.policy.version, decision: sim.decision, facts: sim.facts }, null, 2)}\n`,
          );
        } else {
          out(
            `${explain(sim.decision, sim.facts)}\nPolicy:     version ${r.policy.version}, mode ${r.policy.mode}\n`,
          );
        }
      },
    );

  policy
    .command('test')
    .description('run YAML case tables; exit 1 when any case fails')
    .argument('<files...>', 'case files')
    .option('--policies <dir>', 'policy folder when a case file names none', DEFAULT_DIR)
    .action((files: string[], o: { policies: string }) => {
      let passed = 0;
      let failed = 0;
      for (const file of files) {
        const r = runCaseFile(file, { policies: o.policies });
        if (r.errors.length > 0) {
          issues(r.errors);
          failed++;
          continue;
        }
        for (const c of r.results) {
          if (c.ok) passed++;
          else {
            failed++;
            out(`FAIL ${file}:${c.line}: ${c.name}: ${c.message}\n`);
          }
        }
      }
      out(`${passed} passed, ${failed} failed\n`);
      if (failed > 0) process.exitCode = 1;
    });

  program
    .command('fingerprint')
    .description('read one credential from stdin and print its fingerprint (SHA-256 hex)')
    .action(async () => {
      const key = oneCredential(await stdin());
      if (typeof key !== 'string') return fail(key.error);
      out(`${fingerprint(key)}\n`);
    });

  const credential = program.command('credential').description("manage the policy's approved credentials");
  credential
    .command('add')
    .description('read one credential from stdin and approve its fingerprint')
    .requiredOption('--provider <name>', 'provider id (openai, anthropic, ...)')
    .requiredOption('--label <text>', 'label shown in reports')
    .option('--policies <dir>', 'policy folder', DEFAULT_DIR)
    .action(async (o: { provider: string; label: string; policies: string }) => {
      const r = loadPolicyDir(o.policies);
      if (!r.ok) return issues(r.errors);
      if (!r.policy.providers.has(o.provider)) {
        const ids = [...r.policy.providers.keys()].sort();
        const near = closest(o.provider, ids);
        return fail(
          `unknown provider '${o.provider}'; ${near !== null ? `did you mean '${near}'? ` : ''}providers: ${ids.join(', ')}`,
        );
      }
      if (o.label.trim() === '') return fail('--label must not be empty');
      const key = oneCredential(await stdin());
      if (typeof key !== 'string') return fail(key.error);
      const entry = {
        provider: o.provider,
        fingerprint: fingerprint(key),
        label: o.label.trim(),
        added: new Date().toISOString().slice(0, 10),
      };
      const done = editCredentials(o.policies, (text) => addCredential(text, entry));
      if (typeof done === 'string') return fail(done);
      out(`approved ${entry.fingerprint} for ${entry.provider} (${entry.label}) in ${done.file}\n`);
    });
  credential
    .command('list')
    .description('list approved credentials (fingerprints and labels)')
    .option('--policies <dir>', 'policy folder', DEFAULT_DIR)
    .option('--json', 'machine-readable output')
    .action((o: { policies: string; json?: boolean }) => {
      const read = readPolicySources(o.policies);
      if (!read.ok) return issues(read.errors);
      const rows = [];
      for (const src of read.sources) {
        const parsed = parseSource(src);
        if (Array.isArray(parsed)) return issues(parsed);
        for (const c of listCredentials(parsed.data)) rows.push({ ...c, file: src.file });
      }
      if (o.json === true) return out(`${JSON.stringify(rows, null, 2)}\n`);
      if (rows.length === 0) return out('no approved credentials\n');
      for (const c of rows)
        out(
          `${c.fingerprint}  ${c.provider.padEnd(14)} ${c.label}${c.added ? `  (added ${c.added})` : ''}\n`,
        );
    });
  credential
    .command('remove')
    .description('remove an approved credential by fingerprint (or a 12+ char prefix) or label')
    .argument('<fingerprint-or-label>')
    .option('--policies <dir>', 'policy folder', DEFAULT_DIR)
    .action((selector: string, o: { policies: string }) => {
      const done = editCredentials(o.policies, (text) => removeCredential(text, selector));
      if (typeof done === 'string') return fail(done);
      for (const c of done.changed)
        out(`removed ${c.fingerprint} (${c.provider}, ${c.label}) from ${done.file}\n`);
    });
}

/** Runs one case file against its policy folder; used by `policy test` and the vitest runner. */
export function runCaseFile(
  file: string,
  options: { policies?: string; mode?: Mode } = {},
): { errors: PolicyIssue[]; results: CaseResult[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { errors: [{ file, line: 0, message: `cannot read the case file (${errCode(e)})` }], results: [] };
  }
  const parsed = parseCaseFile(file, text);
  if (!parsed.ok) return { errors: parsed.errors, results: [] };
  const dir =
    parsed.data.policies !== undefined
      ? path.resolve(path.dirname(file), parsed.data.policies)
      : (options.policies ?? DEFAULT_DIR);
  const read = readPolicySources(dir);
  if (!read.ok) return { errors: read.errors, results: [] };
  const sources: PolicySource[] = [...read.sources, ...caseFileSources(file, parsed.data)];
  const built = buildPolicy(sources, { mode: options.mode });
  if (!built.ok) return { errors: built.errors, results: [] };
  return { errors: [], results: runCases(parsed.data, built.policy) };
}

/** Reads credentials.yaml (or a template), applies the edit, validates the whole folder, writes atomically. */
function editCredentials(
  dir: string,
  edit: (text: string) => EditResult,
): { file: string; changed: ApprovedCredential[] } | string {
  const file = path.join(dir, CREDENTIALS_FILE);
  let target = file;
  let text = NEW_CREDENTIALS_FILE;
  try {
    target = fs.realpathSync(file); // write through a symlink, not over it
    text = fs.readFileSync(target, 'utf8');
  } catch (e) {
    if (errCode(e) !== 'ENOENT') return `cannot read ${file} (${errCode(e)})`;
  }
  const r = edit(text);
  if (!r.ok) return r.message;
  // The edited folder must still compile: never leave a policy the proxy would refuse.
  const read = readPolicySources(dir);
  const others = read.ok ? read.sources.filter((s) => s.name !== CREDENTIALS_FILE) : [];
  const check = buildPolicy([...others, { file, name: CREDENTIALS_FILE, text: r.text }]);
  if (!check.ok) return check.errors.map(formatIssue).join('\n');
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, r.text, { mode: 0o644 });
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    return `cannot write ${file} (${errCode(e)}); on a read-only mount (a Kubernetes ConfigMap) edit the source instead`;
  }
  return { file, changed: r.changed };
}

/** One credential: surrounding whitespace trimmed (as header values are), exactly one line. */
function oneCredential(input: string): string | { error: string } {
  const key = input.trim();
  if (key === '') return { error: 'no credential on stdin; pipe it in: zdr-egress fingerprint < key.txt' };
  if (/[\r\n]/.test(key)) return { error: 'stdin holds more than one line; give exactly one credential' };
  return key;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Paste the credential, then press Enter and Ctrl-D:\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseMode(m: string | undefined): Mode | undefined | null {
  if (m === undefined) return undefined;
  return m === 'enforce' || m === 'report' ? m : null;
}

function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'error';
}
