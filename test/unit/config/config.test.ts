import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, configFromFile, resolveConfig } from '../../../src/config/config.js';

const resolve = (values: Record<string, unknown>) => resolveConfig([{ source: 'test', values }]);

describe('configuration', () => {
  it('has the embedded defaults of INTERFACES.md', () => {
    const c = resolve({});
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(c.admin).toEqual({ host: '127.0.0.1', port: 8081 });
    expect([c.policies, c.certs, c.data]).toEqual(['./policies', './certs', './data']);
    expect(c.inspectionCapBytes).toBe(16 * 1024 * 1024);
    expect(c.mode).toBeNull();
  });

  it('lets later layers win: file < environment < flags', () => {
    const c = resolveConfig([
      { source: 'file', values: { listen: '127.0.0.1:1', log_level: 'debug' } },
      { source: 'environment', values: { listen: '127.0.0.1:2' } },
      { source: 'command line', values: { listen: '127.0.0.1:3' } },
    ]);
    expect(c.listen.port).toBe(3);
    expect(c.logLevel).toBe('debug');
  });

  it('parses --resolve with and without a target port', () => {
    const c = resolve({ resolve: ['api.openai.com:443:127.0.0.1', 'API.Anthropic.com.:443:[::1]:8443'] });
    expect(c.resolve).toEqual([
      { host: 'api.openai.com', port: 443, address: '127.0.0.1', addressPort: 443 },
      { host: 'api.anthropic.com', port: 443, address: '::1', addressPort: 8443 },
    ]);
  });

  it.each([
    [{ listn: '1' }, 'test: unknown key "listn"'],
    [{ listen: 'localhost' }, 'listen: expected HOST:PORT'],
    [{ resolve: ['api.openai.com:127.0.0.1'] }, 'resolve: expected HOST:PORT:ADDR'],
    [{ inspection_cap: '16 parsecs' }, 'inspection_cap: expected a size'],
    [{ shutdown_grace: 'soon' }, 'shutdown_grace: expected a duration'],
    [{ mode: 'audit' }, 'test: mode:'],
    [{ decision_log: { on_failure: 'panic' } }, 'decision_log.on_failure'],
    [{ decision_log: { retention: 3 } }, 'unknown key "retention"'],
  ])('refuses %j with a message naming the key', (values, message) => {
    expect(() => resolve(values)).toThrow(ConfigError);
    expect(() => resolve(values)).toThrow(message);
  });

  it('reads ZDR_EGRESS_* variables and refuses unknown ones', () => {
    expect(
      configFromEnv({
        ZDR_EGRESS_LISTEN: '127.0.0.1:9',
        ZDR_EGRESS_RESOLVE: 'a.test:443:127.0.0.1, b.test:443:127.0.0.1',
      }),
    ).toEqual({
      listen: '127.0.0.1:9',
      resolve: ['a.test:443:127.0.0.1', 'b.test:443:127.0.0.1'],
    });
    expect(() => configFromEnv({ ZDR_EGRESS_LISTNE: 'x' })).toThrow(
      'unknown environment variable ZDR_EGRESS_LISTNE',
    );
  });

  it('reads a YAML config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zdr-config-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'listen: 127.0.0.1:18080\ndecision_log:\n  on_failure: block_ai\n');
    const c = resolveConfig([{ source: file, values: configFromFile(file) }]);
    expect(c.listen.port).toBe(18080);
    expect(c.decisionLog.onFailure).toBe('block_ai');
    writeFileSync(file, 'listen: [unclosed\n');
    expect(() => configFromFile(file)).toThrow(/not valid YAML/);
  });
});
