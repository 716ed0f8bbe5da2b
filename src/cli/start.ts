// `zdr-egress start`: flags > ZDR_EGRESS_* environment > --config YAML > embedded defaults.

import type { Command } from 'commander';
import { ConfigError, configFromEnv, configFromFile, resolveConfig } from '../config/config.js';
import { startEgress } from '../main.js';
import { isClusterWorker, runPrimary, runWorker } from './cluster.js';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'run the proxy (defaults: proxy 0.0.0.0:8080, admin 127.0.0.1:8081, ./policies, ./certs, ./data)',
    )
    .option('--config <file>', 'YAML configuration file (keys as below, snake_case)')
    .option('--listen <host:port>', 'forward proxy address (default 0.0.0.0:8080)')
    .option(
      '--admin <host:port>',
      'admin address: health, PAC, CA downloads, reports (default 127.0.0.1:8081)',
    )
    .option('--policies <dir>', 'policy folder, watched and hot-reloaded (default ./policies)')
    .option('--certs <dir>', 'CA certificate and key; created on first start (default ./certs)')
    .option('--data <dir>', 'decision log folder (default ./data)')
    .option(
      '--resolve <host:port:addr[:port]>',
      'connect to ADDR instead of resolving HOST (repeatable)',
      collect,
    )
    .option('--upstream-ca <file>', 'extra CA trusted for upstream TLS (repeatable)', collect)
    .option(
      '--mode <enforce|report>',
      'global override: report lets would-be blocks through and records them',
    )
    .option('--log-level <level>', 'pino level (default info)')
    .option('--admin-token <token>', 'bearer token for report endpoints when admin is not on loopback')
    .option(
      '--inspection-cap <size>',
      'largest request body inspected; above it the request is blocked (default 16MiB)',
    )
    .option('--shutdown-grace <duration>', 'how long SIGTERM waits for in-flight requests (default 25s)')
    .option('--headers-timeout <duration>', 'time a client has to send request headers (default 30s)')
    .option('--idle-timeout <duration>', 'idle client connection timeout (default 120s)')
    .option(
      '--upstream-connect-timeout <duration>',
      'time to reach an upstream before answering 504 (default 10s)',
    )
    .option('--public-address <host:port>', 'proxy address advertised in the PAC file')
    .option(
      '--egress-allow <cidr>',
      'private destination range the proxy may still reach (repeatable)',
      collect,
    )
    .option(
      '--client-allow <cidr>',
      'client range allowed to use the proxy (repeatable; default private ranges and loopback)',
      collect,
    )
    .option('--max-connections-per-client <n>', 'concurrent connections per client address (default 2048)')
    .option(
      '--users-file <file>',
      'require Proxy-Authorization: Basic against this users file (zdr-egress user add)',
    )
    .option('--coach-allow-for <duration>', 'how long Continue on a warn page lasts (default 1h)')
    .option('--metrics', 'serve Prometheus metrics at /metrics on the admin port')
    .option(
      '--workers <n|auto>',
      'processes sharing the proxy port, one decision-log writer (default 1; auto = one per core)',
    )
    .option('--pac-mode <ai-only|all>', 'PAC: only AI hosts through the proxy (default), or everything')
    .option(
      '--pac-fallback <none|direct>',
      'PAC: what clients do when the proxy is down (default none: fail closed)',
    )
    .action(async (flags: Record<string, unknown>) => {
      const configPath = (flags.config as string | undefined) ?? process.env.ZDR_EGRESS_CONFIG;
      const fromFlags: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(flags)) {
        if (k === 'config' || v === undefined) continue;
        fromFlags[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
      }
      let egress;
      try {
        const config = resolveConfig([
          ...(configPath ? [{ source: configPath, values: configFromFile(configPath) }] : []),
          { source: 'environment', values: configFromEnv(process.env) },
          { source: 'command line', values: fromFlags },
        ]);
        if (isClusterWorker()) return await runWorker(config);
        if (config.workers > 1) return await runPrimary(config);
        egress = await startEgress(config);
      } catch (err) {
        if (err instanceof ConfigError || isCaError(err)) {
          process.stderr.write(`zdr-egress: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
      const stop = (signal: string): void => {
        process.stderr.write(`zdr-egress: ${signal} received, draining connections\n`);
        egress.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      // Node opens its inspector on SIGUSR1: anyone able to signal the process could read the heap,
      // and with it in-flight prompts. A listener disables that default.
      process.on('SIGUSR1', () => undefined);
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}

function isCaError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'CaError';
}
