// `zdr-egress ca init|show|export|import`: the CA lifecycle from the command line. Results go to
// stdout, errors to stderr with process.exitCode = 1; the key is never printed.

import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  CaError,
  importCa,
  initCa,
  loadCa,
  loadCaCertificate,
  type CertificateAuthority,
} from '../ca/authority.js';
import { exportCa, EXPORT_FORMATS, type ExportFormat } from '../ca/export.js';
import { caPaths } from '../ca/key-file.js';
import { broadenedPatterns } from '../ca/name-constraints.js';

interface InitFlags {
  certs: string;
  cn?: string;
  years?: string;
  nameConstraints?: boolean;
  policies: string;
  force?: boolean;
}
interface ShowFlags {
  certs: string;
  json?: boolean;
}
interface ExportFlags {
  certs: string;
  format: ExportFormat;
  out?: string;
  organization?: string;
  identifier?: string;
}
interface ImportFlags {
  certs: string;
  cert: string;
  key: string;
  chain?: string;
  force?: boolean;
}

const certsDefault = (): string => process.env['ZDR_EGRESS_CERTS'] || './certs';
const policiesDefault = (): string => process.env['ZDR_EGRESS_POLICIES'] || './policies';
const out = (line = ''): void => void process.stdout.write(`${line}\n`);

/** Every action runs through here: a CaError (or any error) becomes one stderr line and exit code 1. */
async function run(command: string, action: () => Promise<void> | void): Promise<void> {
  try {
    await action();
  } catch (err) {
    const code = err instanceof CaError ? ` [${err.code}]` : '';
    process.stderr.write(
      `zdr-egress ca ${command}: ${err instanceof Error ? err.message : String(err)}${code}\n`,
    );
    process.exitCode = 1;
  }
}

const day = (d: Date): string =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

function describeCa(ca: CertificateAuthority): string[] {
  const daysLeft = Math.floor((ca.notAfter.getTime() - Date.now()) / 86_400_000);
  const lines = [
    `subject           ${ca.subject}`,
    `kind              ${ca.kind === 'root' ? 'root (self-signed)' : `intermediate, issued by ${ca.issuer}`}`,
    `key               ${ca.keyAlgorithm}`,
    `serial            ${ca.serialNumber}`,
    `valid from        ${day(ca.notBefore)}`,
    `valid until       ${day(ca.notAfter)} (${daysLeft < 0 ? 'EXPIRED' : `${daysLeft} days left`})`,
    `SHA-256           ${ca.fingerprint256}`,
    `SPKI SHA-256      ${ca.spkiSha256}`,
    ...(ca.nameConstraints.length === 0
      ? ['name constraints  none (may sign for any host: guard ca.key)']
      : ca.nameConstraints.map((c, i) => `${i === 0 ? 'name constraints' : ''.padEnd(16)}  ${c}`)),
  ];
  if (ca.kind === 'intermediate') {
    const anchor = new X509Certificate(ca.anchorPem);
    const subject = anchor.subject.split('\n').reverse().join(', ');
    lines.push(`chain sent        the intermediate + ${ca.chainPem.length} issuer(s), root excluded`);
    lines.push(`trust anchor      ${subject} (SHA-256 ${anchor.fingerprint256}); ca export writes this one`);
  }
  return lines;
}

function summary(ca: CertificateAuthority, problem: CaError | null): Record<string, unknown> {
  return {
    subject: ca.subject,
    issuer: ca.issuer,
    kind: ca.kind,
    keyAlgorithm: ca.keyAlgorithm,
    serialNumber: ca.serialNumber,
    notBefore: ca.notBefore.toISOString(),
    notAfter: ca.notAfter.toISOString(),
    fingerprint256: ca.fingerprint256,
    spkiSha256: ca.spkiSha256,
    nameConstraints: ca.nameConstraints,
    chainLength: ca.chainPem.length,
    usable: problem === null,
    problem: problem === null ? null : { code: problem.code, message: problem.message },
  };
}

async function namedHosts(policies: string): Promise<readonly string[]> {
  // Loaded lazily: the other ca commands do not need the policy compiler.
  const { loadPolicyDir } = await import('../policy/load.js');
  const result = loadPolicyDir(policies);
  if (!result.ok) {
    const lines = result.errors
      .map((e: { file: string; line: number; message: string }) => `${e.file}:${e.line}: ${e.message}`)
      .join('\n');
    throw new Error(`the policy in ${policies} is invalid; fix it first:\n${lines}`);
  }
  return result.policy.namedHosts;
}

export function registerCaCommands(program: Command): void {
  const ca = program
    .command('ca')
    .description('create, inspect, export or import the certificate authority that signs intercepted hosts');

  ca.command('init')
    .description('create a root CA (RSA 3072, 10 years) in the certs folder')
    .option('--certs <dir>', 'CA folder', certsDefault())
    .option('--cn <name>', 'common name (default "zdr-egress CA (<hostname>)")')
    .option('--years <n>', 'validity in years (1-30)', '10')
    .option(
      '--name-constraints',
      "permit only the policy's hosts; adding a host then means re-issuing the CA",
    )
    .option('--policies <dir>', 'policy folder read by --name-constraints', policiesDefault())
    .option('--force', 'replace an existing CA (every client must then trust the new one)')
    .action((flags: InitFlags) =>
      run('init', async () => {
        const hosts = flags.nameConstraints === true ? await namedHosts(flags.policies) : undefined;
        const created = initCa(flags.certs, {
          years: Number(flags.years ?? '10'),
          ...(flags.cn === undefined ? {} : { commonName: flags.cn }),
          ...(hosts === undefined ? {} : { nameConstraints: hosts }),
          ...(flags.force === true ? { force: true } : {}),
        });
        const paths = caPaths(flags.certs);
        out(`created ${paths.cert} and ${paths.key} (mode 0600)`);
        describeCa(created).forEach((l) => out(l));
        for (const { pattern, subtree } of broadenedPatterns(hosts ?? [])) {
          out(
            `note: ${pattern} is permitted as all of ${subtree} (a constraint cannot hold a wildcard inside a name)`,
          );
        }
        out();
        out(
          `next: make clients trust ${paths.cert}: zdr-egress ca export --format mobileconfig|der|pem (see docs/operations.md)`,
        );
      }),
    );

  ca.command('show')
    .description(
      'print subject, validity, SHA-256 fingerprint, SPKI hash, root or intermediate, name constraints',
    )
    .option('--certs <dir>', 'CA folder', certsDefault())
    .option('--json', 'machine-readable output')
    .action((flags: ShowFlags) =>
      run('show', () => {
        // The certificate is shown even when the key is unusable; the key problem is then reported.
        const pub = loadCaCertificate(flags.certs);
        let keyProblem: CaError | null = null;
        try {
          loadCa(flags.certs);
        } catch (err) {
          if (!(err instanceof CaError)) throw err;
          keyProblem = err;
        }
        if (flags.json === true) {
          out(JSON.stringify(summary(pub, keyProblem), null, 2));
        } else {
          describeCa(pub).forEach((l) => out(l));
          if (keyProblem !== null) out(`problem           ${keyProblem.message}`);
        }
        if (keyProblem !== null) process.exitCode = 1;
      }),
    );

  ca.command('export')
    .description('write the certificate clients must trust (never the key)')
    .addOption(
      new Option('--format <format>', 'pem, der (.crt/.cer) or mobileconfig (Apple profile)')
        .choices(EXPORT_FORMATS)
        .makeOptionMandatory(),
    )
    .option('--out <file>', 'output file (default: stdout)')
    .option('--certs <dir>', 'CA folder', certsDefault())
    .option('--organization <name>', 'mobileconfig PayloadOrganization', 'zdr-egress')
    .option('--identifier <id>', 'mobileconfig PayloadIdentifier (reverse DNS)', 'org.zdr-egress.ca')
    .action((flags: ExportFlags) =>
      run('export', () => {
        const data = exportCa(loadCaCertificate(flags.certs), flags.format, {
          ...(flags.organization === undefined ? {} : { organization: flags.organization }),
          ...(flags.identifier === undefined ? {} : { identifier: flags.identifier }),
        });
        if (flags.out !== undefined) {
          writeFileSync(flags.out, data, { mode: 0o644 });
          process.stderr.write(`wrote ${flags.out} (${data.length} bytes)\n`);
        } else if (flags.format === 'der' && process.stdout.isTTY) {
          throw new Error('refusing to write binary DER to a terminal; use --out FILE or redirect stdout');
        } else {
          process.stdout.write(data);
        }
      }),
    );

  ca.command('import')
    .description('use an intermediate CA issued by the corporate PKI (its chain is sent to clients)')
    .requiredOption('--cert <file>', 'intermediate CA certificate (PEM)')
    .requiredOption('--key <file>', 'its private key (PEM or PKCS#8 DER, unencrypted)')
    .option('--chain <file>', 'issuing certificates up to and including the root (PEM)')
    .option('--certs <dir>', 'CA folder', certsDefault())
    .option('--force', 'replace an existing CA')
    .action((flags: ImportFlags) =>
      run('import', () => {
        const imported = importCa(
          flags.certs,
          { cert: flags.cert, key: flags.key, ...(flags.chain === undefined ? {} : { chain: flags.chain }) },
          flags.force === true ? { force: true } : {},
        );
        const paths = caPaths(flags.certs);
        out(
          `imported into ${paths.cert}, ${paths.key} (mode 0600)${imported.kind === 'intermediate' ? ` and ${paths.chain}` : ''}`,
        );
        describeCa(imported).forEach((l) => out(l));
        out();
        out(
          `the source key ${flags.key} is still where it was: delete or lock it away once the import is confirmed`,
        );
      }),
    );
}
