// `zdr-egress doctor [--proxy URL]`: checks a client machine's path through the proxy.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runDoctor } from '../proxy/doctor.js';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("check this machine's path through the proxy and its trust in the proxy CA")
    .option('--proxy <url>', 'the proxy (default HTTPS_PROXY, else http://127.0.0.1:8080)')
    .option('--host <host>', 'an intercepted host to test with', 'api.openai.com')
    .option('--ca <file>', "the proxy's CA certificate, to check interception exactly")
    .option('--proxy-user <user:password>', 'proxy credentials when the proxy requires them')
    .action(async (flags: { proxy?: string; host: string; ca?: string; proxyUser?: string }) => {
      const proxy =
        flags.proxy ?? process.env.HTTPS_PROXY ?? process.env.https_proxy ?? 'http://127.0.0.1:8080';
      const checks = await runDoctor({
        proxy,
        host: flags.host,
        proxyUser: flags.proxyUser,
        caPem: flags.ca === undefined ? undefined : readFileSync(flags.ca, 'utf8'),
      });
      for (const c of checks) {
        process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
        if (!c.ok && c.fix !== undefined) process.stdout.write(`      fix: ${c.fix}\n`);
      }
      const failed = checks.filter((c) => !c.ok).length;
      process.stdout.write(failed === 0 ? 'all checks passed\n' : `${failed} check(s) failed\n`);
      process.exitCode = failed === 0 ? 0 : 1;
    });
}
