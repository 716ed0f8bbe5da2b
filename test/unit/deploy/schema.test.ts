// Schema validation of every manifest against the Kubernetes OpenAPI definitions, through the
// `kubernetes-models` npm package (generated validators: types, required fields, enums, formats).
// It is the in-process stand-in for kubeconform, which cannot be installed here. The package is not a
// dependency yet: until `npm install -D kubernetes-models` is run these tests are skipped, and the
// structural checks in manifests.test.ts still run. Unknown fields are caught there, not here.
// Where kubectl is installed (it is on these machine images), its built-in kustomize renders the
// kustomization as `kubectl apply -k` would.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEPLOY_DIR, loadManifests, parseManifestText } from './manifests.js';

const MODULES: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
};

type Model = new (data: unknown) => { validate(): void };

async function loadModel(spec: string, kind: string): Promise<Model | null> {
  try {
    const mod = (await import(spec)) as Record<string, unknown>;
    return typeof mod[kind] === 'function' ? (mod[kind] as Model) : null;
  } catch {
    return null; // not installed
  }
}

const available = (await loadModel('kubernetes-models/v1/Namespace', 'Namespace')) !== null;
const manifests = loadManifests();

// kubernetes-models is a devDependency and kubectl is part of every machine image here: neither
// suite is skipped, so a missing tool fails CI loudly instead of passing it silently.
describe('deploy/kubernetes: OpenAPI schema (kubernetes-models)', () => {
  it('has the schema package installed', () => {
    expect(available).toBe(true);
  });

  it.each(
    manifests.map((m) => [m.file, `${String(m.doc.apiVersion)}/${String(m.doc.kind)}`, m.doc] as const),
  )('%s (%s) is valid against the Kubernetes schema', async (_file, key, doc) => {
    const spec = MODULES[key];
    expect(spec, `no schema module mapped for ${key}`).toBeDefined();
    const model = await loadModel(spec as string, String(doc.kind));
    expect(model).not.toBeNull();
    const Model = model as Model;
    expect(() => new Model(doc).validate()).not.toThrow();
  });

  it('catches a wrongly typed field (the validator is live)', async () => {
    const Deployment = (await loadModel(MODULES['apps/v1/Deployment'] as string, 'Deployment')) as Model;
    const doc = structuredClone(manifests.find((m) => m.doc.kind === 'Deployment')?.doc);
    (doc as { spec: { replicas: unknown } }).spec.replicas = 'two';
    expect(() => new Deployment(doc).validate()).toThrow(/replicas/);
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe('deploy/kubernetes: kustomize build (kubectl)', () => {
  it('has kubectl on the machine', () => {
    expect(kubectl).toBe(true);
  });

  it('renders every listed manifest in the zdr-egress namespace', () => {
    const r = spawnSync('kubectl', ['kustomize', DEPLOY_DIR], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const docs = parseManifestText('kubectl kustomize', r.stdout);
    const expected = manifests.filter((m) => !m.file.endsWith('.template.yaml'));
    expect(docs.map((d) => `${String(d.kind)}`).sort()).toEqual(
      expected.map((m) => String(m.doc.kind)).sort(),
    );
    for (const d of docs.filter((d) => d.kind !== 'Namespace')) {
      expect((d.metadata as { namespace?: string }).namespace).toBe('zdr-egress');
    }
  });
});
