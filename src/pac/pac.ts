// The PAC file, generated from the compiled policy: hosts the policy names go to the proxy, the
// rest DIRECT (mode ai-only) or through the proxy too (mode all). Regenerated on every reload.
// No fallback to DIRECT for AI hosts unless asked: a proxy outage must not turn into a bypass.

export interface PacOptions {
  /** Hosts the policy names; wildcards as `*.suffix`. */
  readonly hosts: readonly string[];
  /** Advertised proxy address, `host:port`. */
  readonly proxy: string;
  readonly mode: 'ai-only' | 'all';
  /** What a client may do when the proxy does not answer: `none` (fail closed) or `direct`. */
  readonly fallback: 'none' | 'direct';
  readonly policyVersion: string;
}

export function buildPac(o: PacOptions): string {
  const exact: Record<string, 1> = {};
  const suffixes: string[] = [];
  const patterns: string[] = [];
  for (const h of o.hosts) {
    if (h.startsWith('*.') && !h.slice(2).includes('*')) suffixes.push(h.slice(1));
    else if (h.includes('*')) patterns.push(labelPattern(h));
    else exact[h] = 1;
  }
  suffixes.sort();
  patterns.sort();
  const proxy = `PROXY ${o.proxy}${o.fallback === 'direct' ? '; DIRECT' : ''}`;
  const other = o.mode === 'all' ? JSON.stringify(proxy) : '"DIRECT"';
  return `// zdr-egress proxy auto-config. Policy ${o.policyVersion}; mode ${o.mode}; fallback ${o.fallback}.
// Generated from the policy: do not edit, it is rewritten on every policy reload.
var AI_PROXY = ${JSON.stringify(proxy)};
var AI_HOSTS = ${JSON.stringify(exact)};
var AI_SUFFIXES = ${JSON.stringify(suffixes)};
var AI_PATTERNS = ${JSON.stringify(patterns)};
function FindProxyForURL(url, host) {
  host = host.toLowerCase();
  if (host.charAt(host.length - 1) === ".") host = host.substring(0, host.length - 1);
  if (Object.prototype.hasOwnProperty.call(AI_HOSTS, host)) return AI_PROXY;
  for (var i = 0; i < AI_SUFFIXES.length; i++) {
    if (dnsDomainIs(host, AI_SUFFIXES[i])) return AI_PROXY;
  }
  for (var j = 0; j < AI_PATTERNS.length; j++) {
    if (new RegExp(AI_PATTERNS[j]).test(host)) return AI_PROXY;
  }
  return ${other};
}
`;
}

/**
 * A host pattern with `*` inside a label (`*-aiplatform.googleapis.com`, `bedrock-runtime.*.amazonaws.com`)
 * as an anchored regular expression: `*` stands for one label or part of one, never a dot; a leading
 * `*.` also matches deeper subdomains, as in the policy.
 */
export function labelPattern(host: string): string {
  const leading = host.startsWith('*.');
  const rest = leading ? host.slice(2) : host;
  const body = rest
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^.]+');
  return `^${leading ? '(?:[^.]+\\.)+' : ''}${body}$`;
}
