// The Kubernetes manifests (deploy/kubernetes): every object of both overlays is valid against
// the Kubernetes OpenAPI schemas (kubernetes-models' validators), and what the manifests say
// about the server agrees with the code: probe paths, ports, environment variable names, the
// cache path, the drain time, the autoscaling metric, the CLI commands they run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVER_CONFIG } from '../../src/server/config.js';
import { PROBE_PATHS } from '../../src/server/routes/health.js';
import { podSpec, renderKustomization, visitContainers, type Manifest } from './kustomize-render.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OVERLAYS = ['cpu', 'gpu'] as const;
const rendered = Object.fromEntries(OVERLAYS.map((overlay) => [overlay, renderKustomization(join(ROOT, 'deploy/kubernetes/overlays', overlay))])) as Record<(typeof OVERLAYS)[number], Manifest[]>;

type Container = { name: string; image: string; command?: string[]; env?: { name: string; value?: string }[]; ports?: { name: string; containerPort: number }[]; volumeMounts?: { name: string; mountPath: string }[]; startupProbe?: Probe; readinessProbe?: Probe; livenessProbe?: Probe; lifecycle?: { preStop?: { exec?: { command: string[] } } }; resources?: { limits?: Record<string, unknown> } };
type Probe = { httpGet: { path: string; port: string } };

const find = (overlay: (typeof OVERLAYS)[number], kind: string, name: string) => {
  const manifest = rendered[overlay].find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(manifest, `${overlay}: ${kind} ${name}`);
  return manifest;
};
const server = (overlay: (typeof OVERLAYS)[number]) => (podSpec(find(overlay, 'Deployment', 'maskserve'))!.containers as Container[]).find((c) => c.name === 'maskserve')!;
const envOf = (container: Container) => Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));

async function modelClass(apiVersion: string, kind: string): Promise<new (data: unknown) => { validate(): void }> {
  const path = apiVersion.includes('/') ? apiVersion : `v1`;
  const module = (await import(`kubernetes-models/${path}/${kind}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = module[kind];
  assert.ok(model, `kubernetes-models has no ${apiVersion} ${kind}`);
  return model;
}

describe('Kubernetes manifests', () => {
  for (const overlay of OVERLAYS) {
    it(`${overlay} overlay: every object is valid against the Kubernetes schemas`, async () => {
      assert.deepEqual(rendered[overlay].map((m) => m.kind).sort(), ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'NetworkPolicy', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Service']);
      for (const manifest of rendered[overlay]) {
        const Model = await modelClass(manifest.apiVersion, manifest.kind);
        assert.doesNotThrow(() => new Model(manifest).validate(), `${manifest.kind} ${manifest.metadata.name}`);
      }
    });
  }

  it('the validator does catch mistakes (a string port)', async () => {
    const Deployment = await modelClass('apps/v1', 'Deployment');
    const broken = structuredClone(find('cpu', 'Deployment', 'maskserve')) as Manifest & { spec: { template: { spec: { containers: Container[] } } } };
    (broken.spec.template.spec.containers[0]!.ports![0] as { containerPort: unknown }).containerPort = 'http';
    assert.throws(() => new Deployment(broken).validate(), /containerPort must be integer/);
  });

  it('probes, ports and the drain agree with the server', () => {
    for (const overlay of OVERLAYS) {
      const container = server(overlay);
      assert.equal(container.readinessProbe?.httpGet.path, PROBE_PATHS.readiness);
      assert.equal(container.startupProbe?.httpGet.path, PROBE_PATHS.readiness);
      assert.equal(container.livenessProbe?.httpGet.path, PROBE_PATHS.liveness);
      const ports = Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort]));
      assert.equal(ports.http, DEFAULT_SERVER_CONFIG.port);
      assert.equal(String(ports.metrics), envOf(container).MASKSERVE_METRICS_PORT);
      const env = envOf(container);
      assert.equal(env.PORT, String(DEFAULT_SERVER_CONFIG.port));
      // SIGTERM comes after the preStop pause; the drain must end inside the pod's grace period.
      const preStop = Number(container.lifecycle?.preStop?.exec?.command.at(-1));
      const grace = Number(podSpec(find(overlay, 'Deployment', 'maskserve'))!.terminationGracePeriodSeconds);
      const drain = Number(env.MASKSERVE_SHUTDOWN_GRACE_MS ?? DEFAULT_SERVER_CONFIG.shutdownGraceMs) / 1000;
      assert.ok(preStop + drain < grace, `preStop ${preStop} s + drain ${drain} s must fit in terminationGracePeriodSeconds ${grace}`);
    }
    const service = find('cpu', 'Service', 'maskserve') as Manifest & { spec: { ports: { name: string; targetPort: string }[] } };
    assert.deepEqual(service.spec.ports.map((p) => p.targetPort), ['http', 'metrics']);
  });

  it('every environment variable they set is one the code reads and the docs list', () => {
    const sources = ['src/server/config.ts', 'src/runtime/runtime-options.ts', 'src/models/cache.ts', 'src/models/resolve.ts', 'src/server/log-output.ts'].map((file) => readFileSync(join(ROOT, file), 'utf8')).join('\n');
    const docs = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    for (const overlay of OVERLAYS) {
      for (const manifest of rendered[overlay]) {
        visitContainers(manifest, (container) => {
          for (const { name } of ((container as Container).env ?? [])) {
            assert.ok(sources.includes(`'${name}'`) || sources.includes(`env.${name}`), `${name} is not read by the code`);
            assert.ok(docs.includes(`\`${name}\``), `${name} is not in docs/configuration.md`);
          }
        });
      }
      const configMap = find(overlay, 'ConfigMap', 'maskserve') as Manifest & { data: Record<string, string> };
      for (const name of Object.keys(configMap.data)) assert.ok(docs.includes(`\`${name}\``), `${name} is not in docs/configuration.md`);
    }
  });

  it('the model cache is one path: the Dockerfile volume, MASKSERVE_CACHE_DIR and the mounts', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const volume = /^VOLUME \["([^"]+)"\]/m.exec(dockerfile)?.[1];
    assert.ok(volume);
    for (const overlay of OVERLAYS) {
      for (const name of ['maskserve', 'maskserve-batch']) {
        const kind = name === 'maskserve' ? 'Deployment' : 'Job';
        visitContainers(find(overlay, kind, name), (container) => {
          const c = container as Container;
          assert.equal(envOf(c).MASKSERVE_CACHE_DIR, volume, `${kind} ${c.name}`);
          assert.equal(c.volumeMounts?.find((m) => m.name === 'model-cache')?.mountPath, volume, `${kind} ${c.name}`);
          assert.match(c.image, /^registry\.example\.org\/maskserve:/);
        });
      }
    }
  });

  it('the commands they run exist: models pull, predict --shard with the Job index, the queue metric', () => {
    const cli = ['predict-command.ts', 'models-command.ts'].map((file) => readFileSync(join(ROOT, 'src/cli', file), 'utf8')).join('\n');
    const job = find('cpu', 'Job', 'maskserve-batch') as Manifest & { spec: { completions: number; completionMode: string } };
    assert.equal(job.spec.completionMode, 'Indexed');
    const predict = (podSpec(job)!.containers as Container[])[0]!.command!;
    assert.deepEqual(predict.slice(0, 3), ['node', 'bin/maskserve.js', 'predict']);
    assert.equal(predict[predict.indexOf('--shard') + 1], `$(JOB_COMPLETION_INDEX)/${job.spec.completions}`);
    assert.ok(cli.includes("'--shard <K/N>'"));
    const pull = (podSpec(find('cpu', 'Deployment', 'maskserve'))!.initContainers as Container[])[0]!.command!;
    assert.deepEqual(pull.slice(0, 4), ['node', 'bin/maskserve.js', 'models', 'pull']);
    const hpa = find('cpu', 'HorizontalPodAutoscaler', 'maskserve') as Manifest & { spec: { metrics: { pods?: { metric: { name: string } } }[] } };
    const metric = hpa.spec.metrics.find((m) => m.pods)?.pods?.metric.name;
    assert.ok(readFileSync(join(ROOT, 'src/server/metrics.ts'), 'utf8').includes(`name: '${metric}'`), `${metric} is exported at /metrics`);
  });

  it('the gpu overlay asks for a GPU and the CUDA execution provider', () => {
    const container = server('gpu');
    assert.equal(container.resources?.limits?.['nvidia.com/gpu'], 1);
    assert.equal(envOf(container).MASKSERVE_EXECUTION_PROVIDER, 'cuda');
    assert.match(container.image, /:gpu$/);
  });
});
