// Structural checks of deploy/kubernetes/ beyond the Deployment (deployment.test.ts): the set of
// manifests, Services, autoscaler, disruption budget, NetworkPolicy and Secret templates. kubeconform
// cannot be installed on these machines (no Debian package, no npm wrapper, no downloads), so the
// manifests are parsed and the properties that matter are asserted; schema.test.ts adds OpenAPI
// validation once `kubernetes-models` is installed.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  at,
  containerPort,
  DEPLOY_DIR,
  isTemplate,
  labelsMatch,
  list,
  loadManifests,
  obj,
  one,
  podParts,
  readDeployText,
  yamlFiles,
  type Obj,
} from './manifests.js';

const all = loadManifests();
const live = all.filter((m) => !isTemplate(m.file));
const { deployment, podLabels, proxy } = podParts(live);

const KINDS: Record<string, readonly string[]> = {
  v1: ['Namespace', 'ServiceAccount', 'ConfigMap', 'Service', 'Secret'],
  'apps/v1': ['Deployment'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'policy/v1': ['PodDisruptionBudget'],
  'networking.k8s.io/v1': ['NetworkPolicy'],
};

describe('deploy/kubernetes: the set of manifests', () => {
  it('lists every manifest in kustomization.yaml, and no template', () => {
    const kustomization = obj(parseYaml(readDeployText('kustomization.yaml')), 'kustomization');
    const resources = (kustomization.resources as string[]).slice().sort();
    const expected = yamlFiles().filter((f) => f !== 'kustomization.yaml' && !isTemplate(f));
    expect(resources).toEqual(expected);
    for (const r of resources) expect(fs.existsSync(path.join(DEPLOY_DIR, r))).toBe(true);
  });

  it.each(all.map((m) => [m.file, `${String(m.doc.apiVersion)} ${String(m.doc.kind)}`, m.doc] as const))(
    '%s declares a valid apiVersion and kind (%s) with a name',
    (_file, _kind, doc) => {
      expect(KINDS[String(doc.apiVersion)] ?? []).toContain(doc.kind);
      expect(typeof at(doc, 'metadata', 'name')).toBe('string');
    },
  );

  it('puts every namespaced object in the zdr-egress namespace', () => {
    expect(at(one(live, 'Namespace'), 'metadata', 'name')).toBe('zdr-egress');
    for (const m of all.filter((m) => m.doc.kind !== 'Namespace')) {
      expect([m.file, at(m.doc, 'metadata', 'namespace')]).toEqual([m.file, 'zdr-egress']);
    }
  });

  it('enforces the restricted Pod Security Standard on the namespace', () => {
    expect(at(one(live, 'Namespace'), 'metadata', 'labels', 'pod-security.kubernetes.io/enforce')).toBe(
      'restricted',
    );
  });

  it('has the kinds the issue asks for', () => {
    const kinds = live.map((m) => m.doc.kind);
    for (const k of [
      'Namespace',
      'Deployment',
      'Service',
      'ConfigMap',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
    ]) {
      expect(kinds).toContain(k);
    }
  });
});

describe('deploy/kubernetes: Services, autoscaler, disruption budget', () => {
  it('exposes the proxy on 8080 and the admin surface on a separate ClusterIP Service on 8081', () => {
    const services = live.filter((m) => m.doc.kind === 'Service').map((m) => m.doc);
    expect(services).toHaveLength(2);
    const byPort = new Map(services.map((s) => [list(at(s, 'spec', 'ports'), 'ports')[0]?.port, s]));
    const proxySvc = obj(byPort.get(8080), 'proxy Service');
    const adminSvc = obj(byPort.get(8081), 'admin Service');
    expect(at(adminSvc, 'spec', 'type')).toBe('ClusterIP');
    for (const [svc, port] of [
      [proxySvc, 8080],
      [adminSvc, 8081],
    ] as const) {
      expect(labelsMatch(at(svc, 'spec', 'selector'), podLabels)).toBe(true);
      const p = list(at(svc, 'spec', 'ports'), 'ports');
      expect(p).toHaveLength(1);
      expect(containerPort(proxy, p[0]?.targetPort)).toBe(port);
    }
  });

  it('autoscales the Deployment on CPU at 70 % with at least two replicas', () => {
    const hpa = one(live, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(at(hpa, 'spec', 'scaleTargetRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: at(deployment, 'metadata', 'name'),
    });
    expect(at(hpa, 'spec', 'minReplicas')).toBeGreaterThanOrEqual(2);
    expect(Number(at(hpa, 'spec', 'maxReplicas'))).toBeGreaterThan(Number(at(hpa, 'spec', 'minReplicas')));
    expect(at(hpa, 'spec', 'metrics')).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
  });

  it('keeps at least one pod through voluntary disruptions, selecting the proxy pods', () => {
    const pdb = one(live, 'PodDisruptionBudget');
    expect(at(pdb, 'spec', 'minAvailable')).toBe(1);
    expect(at(pdb, 'spec', 'selector', 'matchLabels')).toEqual(
      at(deployment, 'spec', 'selector', 'matchLabels'),
    );
  });
});

describe('deploy/kubernetes: NetworkPolicy', () => {
  const np = one(live, 'NetworkPolicy');
  const egress = list(at(np, 'spec', 'egress'), 'egress');
  const ports = (rule: Obj): string[] =>
    list(rule.ports, 'ports').map((p) => `${String(p.protocol)}/${String(p.port)}`);

  it('applies to the proxy pods and restricts egress', () => {
    expect(labelsMatch(at(np, 'spec', 'podSelector', 'matchLabels'), podLabels)).toBe(true);
    expect(at(np, 'spec', 'policyTypes')).toContain('Egress');
  });

  it('allows egress only to DNS and TCP 443', () => {
    expect(egress.flatMap(ports).sort()).toEqual(['TCP/443', 'TCP/53', 'UDP/53']);
    for (const rule of egress) expect(rule.to).toBeDefined(); // no rule open to every destination
  });

  it('keeps HTTPS egress away from private, link-local (metadata) and loopback addresses', () => {
    const https = egress.find((r) => ports(r).includes('TCP/443')) ?? {};
    const blocks = list(https.to, 'to').map((t) => obj(t.ipBlock, 'ipBlock'));
    expect(blocks.map((b) => b.cidr)).toEqual(['0.0.0.0/0', '::/0']);
    const except = blocks.flatMap((b) => b.except as string[]);
    for (const cidr of [
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '100.64.0.0/10',
      '169.254.0.0/16',
      '127.0.0.0/8',
      'fc00::/7',
      'fe80::/10',
      '::1/128',
    ]) {
      expect(except).toContain(cidr);
    }
  });

  it('lets clients reach the proxy and the admin port', () => {
    const ingress = list(at(np, 'spec', 'ingress'), 'ingress').flatMap(ports);
    expect(ingress).toEqual(expect.arrayContaining(['TCP/8080', 'TCP/8081']));
  });
});

describe('deploy/kubernetes: Secret templates', () => {
  const templates = all.filter((m) => isTemplate(m.file));

  it('are the two Secrets the Deployment references', () => {
    const names = templates.map((m) => at(m.doc, 'metadata', 'name')).sort();
    expect(names).toEqual(['zdr-egress-admin', 'zdr-egress-ca']);
    for (const m of templates) expect(m.doc.kind).toBe('Secret');
  });

  it('carry no secret material', () => {
    for (const m of templates) {
      expect(m.doc.stringData).toBeUndefined();
      expect(Object.keys(obj(m.doc.data ?? {}, 'data'))).toEqual([]);
      expect(readDeployText(m.file)).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    }
  });
});
