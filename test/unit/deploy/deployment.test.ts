// Structural checks of the Deployment: selectors, probes, security context, volumes, resources, and an
// environment the process accepts. Unknown keys in the objects most prone to typos are errors, as
// with kubeconform -strict (which cannot be installed here).

import { describe, expect, it } from 'vitest';
import { configFromEnv, parseDuration, parseEndpoint, resolveConfig } from '../../../src/config/config.js';
import {
  at,
  containerPort,
  envOf,
  isObj,
  isTemplate,
  labelsMatch,
  list,
  loadManifests,
  mount,
  obj,
  one,
  podParts,
  readDeployText,
  type Obj,
} from './manifests.js';

const live = loadManifests().filter((m) => !isTemplate(m.file));
const { deployment, pod, podLabels, containers, initContainers, proxy, volumes } = podParts(live);

function volume(name: string): Obj {
  return volumes.find((v) => v.name === name) ?? obj(undefined, `volume ${name}`);
}

// Field names from the Kubernetes 1.32 API reference.
// prettier-ignore
const KNOWN_KEYS: Record<string, readonly string[]> = {
  DeploymentSpec: ['replicas', 'selector', 'template', 'strategy', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds'],
  PodSpec: [
    'volumes', 'initContainers', 'containers', 'ephemeralContainers', 'restartPolicy', 'terminationGracePeriodSeconds',
    'activeDeadlineSeconds', 'dnsPolicy', 'nodeSelector', 'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken',
    'nodeName', 'hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace', 'securityContext', 'imagePullSecrets', 'hostname',
    'subdomain', 'affinity', 'schedulerName', 'tolerations', 'hostAliases', 'priorityClassName', 'priority', 'dnsConfig',
    'readinessGates', 'runtimeClassName', 'enableServiceLinks', 'preemptionPolicy', 'overhead', 'topologySpreadConstraints',
    'setHostnameAsFQDN', 'os', 'hostUsers', 'schedulingGates', 'resourceClaims', 'resources',
  ],
  PodSecurityContext: [
    'seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'supplementalGroups', 'supplementalGroupsPolicy',
    'fsGroup', 'sysctls', 'fsGroupChangePolicy', 'seccompProfile', 'appArmorProfile', 'seLinuxChangePolicy',
  ],
  Container: [
    'name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'resizePolicy', 'restartPolicy',
    'volumeMounts', 'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'terminationMessagePath',
    'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty',
  ],
  SecurityContext: [
    'capabilities', 'privileged', 'seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup', 'runAsNonRoot',
    'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'procMount', 'seccompProfile', 'appArmorProfile',
  ],
  Probe: ['exec', 'httpGet', 'tcpSocket', 'grpc', 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'],
  VolumeMount: ['name', 'readOnly', 'recursiveReadOnly', 'mountPath', 'subPath', 'mountPropagation', 'subPathExpr'],
};

function unknownKeys(o: unknown, type: string): string[] {
  const known = KNOWN_KEYS[type] ?? [];
  return isObj(o) ? Object.keys(o).filter((k) => !known.includes(k)) : [];
}

describe('deploy/kubernetes: the Deployment', () => {
  it('uses only known fields in the pod spec, containers, probes, security contexts and mounts', () => {
    const problems = [
      ...unknownKeys(deployment.spec, 'DeploymentSpec').map((k) => `spec.${k}`),
      ...unknownKeys(pod, 'PodSpec').map((k) => `pod.${k}`),
      ...unknownKeys(pod.securityContext, 'PodSecurityContext').map((k) => `pod.securityContext.${k}`),
    ];
    for (const c of [...initContainers, ...containers]) {
      const n = String(c.name);
      problems.push(...unknownKeys(c, 'Container').map((k) => `${n}.${k}`));
      problems.push(
        ...unknownKeys(c.securityContext, 'SecurityContext').map((k) => `${n}.securityContext.${k}`),
      );
      for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        problems.push(...unknownKeys(c[p], 'Probe').map((k) => `${n}.${p}.${k}`));
      }
      for (const m of list(c.volumeMounts ?? [], 'volumeMounts')) {
        problems.push(...unknownKeys(m, 'VolumeMount').map((k) => `${n}.volumeMounts.${k}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs at least two replicas and selects its own pods', () => {
    expect(at(deployment, 'spec', 'replicas')).toBeGreaterThanOrEqual(2);
    expect(labelsMatch(at(deployment, 'spec', 'selector', 'matchLabels'), podLabels)).toBe(true);
  });

  it('rolls out without losing capacity (maxUnavailable 0)', () => {
    expect(at(deployment, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable')).toBe(0);
  });

  it('checks readiness on /readyz, liveness on /healthz, and startup, all on the admin port 8081', () => {
    const probes = {
      readinessProbe: '/readyz',
      livenessProbe: '/healthz',
      startupProbe: '/healthz',
    } as const;
    for (const [probe, probePath] of Object.entries(probes)) {
      expect(at(proxy, probe, 'httpGet', 'path')).toBe(probePath);
      expect(containerPort(proxy, at(proxy, probe, 'httpGet', 'port'))).toBe(8081);
    }
  });

  it('binds the admin surface where the probes look, and the proxy on 8080', () => {
    const env = envOf(proxy);
    expect(env.get('ZDR_EGRESS_ADMIN')?.value).toBe('0.0.0.0:8081');
    expect(parseEndpoint('admin', String(env.get('ZDR_EGRESS_ADMIN')?.value)).port).toBe(
      containerPort(proxy, 'admin'),
    );
    expect(parseEndpoint('listen', String(env.get('ZDR_EGRESS_LISTEN')?.value)).port).toBe(
      containerPort(proxy, 'proxy'),
    );
    expect(containerPort(proxy, 'proxy')).toBe(8080);
  });

  it('takes the admin token from a Secret, never from a literal value', () => {
    const token = envOf(proxy).get('ZDR_EGRESS_ADMIN_TOKEN');
    expect(token?.value).toBeUndefined();
    expect(at(token, 'valueFrom', 'secretKeyRef')).toEqual({ name: 'zdr-egress-admin', key: 'token' });
  });

  it('sets only ZDR_EGRESS_* variables that the configuration accepts, with valid values', () => {
    const values: NodeJS.ProcessEnv = {};
    for (const [name, e] of envOf(proxy)) {
      if (!name.startsWith('ZDR_EGRESS_')) continue;
      values[name] = e.value === undefined ? 'a-secret-value-from-kubernetes-0123456789' : String(e.value);
    }
    const config = resolveConfig([{ source: 'deployment.yaml', values: configFromEnv(values) }]);
    expect(config.admin).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(config.policies).toBe('/app/policies');
    expect(config.certs).toBe('/app/certs');
    expect(config.data).toBe('/app/data');
  });

  it('never starts node with an inspector, heap snapshots or diagnostic reports', () => {
    const nodeOptions = String(envOf(proxy).get('NODE_OPTIONS')?.value ?? '');
    expect(nodeOptions).not.toMatch(/--inspect|--heapsnapshot|--heap-prof|--report-|--abort-on-uncaught/);
    expect(JSON.stringify([proxy.command, proxy.args])).not.toMatch(/--inspect|--heapsnapshot/);
  });

  it('keeps Kubernetes from injecting ZDR_EGRESS_* service variables (enableServiceLinks false)', () => {
    // A Service named zdr-egress would add ZDR_EGRESS_PORT etc., which the process refuses at start.
    expect(pod.enableServiceLinks).toBe(false);
    expect(() => configFromEnv({ ZDR_EGRESS_PORT: 'tcp://10.0.0.1:8080' })).toThrow(
      /unknown environment variable/,
    );
  });

  it('gives the drain time to finish: grace period > preStop sleep + shutdown grace', () => {
    const sleep = at(proxy, 'lifecycle', 'preStop', 'exec', 'command') as string[];
    expect(sleep[0]).toBe('sleep');
    const sleepMs = Number(sleep[1]) * 1000;
    const graceValue = envOf(proxy).get('ZDR_EGRESS_SHUTDOWN_GRACE')?.value;
    const graceMs = parseDuration('shutdown_grace', graceValue === undefined ? '25s' : String(graceValue));
    expect(graceMs).toBe(25_000);
    expect(Number(pod.terminationGracePeriodSeconds) * 1000).toBeGreaterThan(sleepMs + graceMs);
  });

  it('runs as uid 1000, non-root, with RuntimeDefault seccomp and no service account token', () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.shareProcessNamespace ?? false).toBe(false);
    expect(at(one(live, 'ServiceAccount'), 'automountServiceAccountToken')).toBe(false);
    expect(pod.serviceAccountName).toBe(at(one(live, 'ServiceAccount'), 'metadata', 'name'));
  });

  it.each([...initContainers, ...containers].map((c) => [String(c.name), c] as const))(
    'container %s: read-only root, no privilege escalation, all capabilities dropped, pinned image',
    (_name, c) => {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(at(c, 'securityContext', 'privileged') ?? false).toBe(false);
      expect(at(c, 'securityContext', 'capabilities', 'add')).toBeUndefined();
      expect(c.image).toMatch(/^[^:@]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/);
      expect(String(c.image)).toMatch(/:[\w.-]+|@sha256:/);
      expect(String(c.image)).not.toMatch(/:latest$/);
      expect(c.image).toBe(proxy.image);
    },
  );

  it.each([...initContainers, ...containers].map((c) => [String(c.name), c] as const))(
    'container %s: cpu and memory requests and limits are set',
    (_name, c) => {
      for (const kind of ['requests', 'limits']) {
        expect(at(c, 'resources', kind, 'cpu')).toBeDefined();
        expect(at(c, 'resources', kind, 'memory')).toBeDefined();
      }
    },
  );

  it('marks the proxy resource figures as coming from docs/benchmarks.md', () => {
    const lines = readDeployText('deployment.yaml').split('\n');
    const container = lines.findIndex((l) => /^ {8}- name: zdr-egress$/.test(l));
    const start = lines.findIndex((l, i) => i > container && /^ {10}resources:/.test(l));
    expect(container).toBeGreaterThan(0);
    const figures = lines.slice(start + 1, start + 7).filter((l) => /(cpu|memory):/.test(l));
    expect(figures).toHaveLength(4);
    for (const l of figures) expect(l).toContain('# from docs/benchmarks.md');
  });

  it('mounts every volume it declares, and declares every volume it mounts', () => {
    const declared = volumes.map((v) => String(v.name)).sort();
    const mounted = new Set(
      [...initContainers, ...containers].flatMap((c) =>
        list(c.volumeMounts ?? [], 'mounts').map((m) => String(m.name)),
      ),
    );
    expect([...mounted].sort()).toEqual(declared);
  });

  it('mounts the policies ConfigMap at /app/policies read-only and without subPath, so updates arrive', () => {
    const m = mount(proxy, 'policies');
    expect(m).toMatchObject({ mountPath: '/app/policies', readOnly: true });
    expect(m?.subPath).toBeUndefined();
    expect(m?.subPathExpr).toBeUndefined();
    const name = at(volume('policies'), 'configMap', 'name');
    expect(at(one(live, 'ConfigMap'), 'metadata', 'name')).toBe(name);
    for (const c of [...initContainers, ...containers]) {
      for (const mm of list(c.volumeMounts ?? [], 'mounts'))
        expect([c.name, mm.name, mm.subPath]).toEqual([c.name, mm.name, undefined]);
    }
  });

  it('reads the CA Secret only in the init container, with no bits for others', () => {
    const secret = obj(at(volume('ca-secret'), 'secret'), 'ca-secret');
    expect(secret.secretName).toBe('zdr-egress-ca');
    expect(secret.defaultMode).toBe(0o440);
    expect(Number(secret.defaultMode) & 0o007).toBe(0);
    expect(mount(proxy, 'ca-secret')).toBeUndefined();
    const install = initContainers.find((c) => mount(c, 'ca-secret') !== undefined);
    expect(mount(install ?? {}, 'ca-secret')).toMatchObject({ readOnly: true });
    expect(mount(install ?? {}, 'certs')?.mountPath).toBe('/app/certs');
    const script = JSON.stringify([install?.command, install?.args]);
    expect(script).toContain('ca import');
    expect(script).toContain('--certs /app/certs');
    expect(script).toContain('ulimit -c 0');
  });

  it('gives the proxy its CA in memory and read-only at /app/certs', () => {
    expect(at(volume('certs'), 'emptyDir', 'medium')).toBe('Memory');
    expect(mount(proxy, 'certs')).toMatchObject({ mountPath: '/app/certs', readOnly: true });
  });

  it('gives the decision log and /tmp writable emptyDir volumes', () => {
    expect(at(volume('data'), 'emptyDir')).toBeDefined();
    expect(at(volume('tmp'), 'emptyDir')).toBeDefined();
    expect(mount(proxy, 'data')?.mountPath).toBe('/app/data');
    expect(mount(proxy, 'data')?.readOnly ?? false).toBe(false);
    expect(mount(proxy, 'tmp')?.mountPath).toBe('/tmp');
  });
});
