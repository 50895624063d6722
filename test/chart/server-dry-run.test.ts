/**
 * What the charts render is what a real kube-apiserver accepts: `helm
 * template` output applied with server-side apply and `dryRun=All` (strict
 * field validation, so an unknown or misplaced field fails) to the
 * kube-apiserver of scripts/kube-assets.sh, for both clusters: charts/xpuflow
 * to the host cluster (xpuflow's CRDs installed first, so the DPUService is
 * checked against its schema) and, to the DPU cluster, charts/xpuflow-dpu-worker
 * as that DPUService installs it. Then `helm install --dry-run=server`, where
 * lookup reaches the cluster: a value naming a missing Secret, or a Secret
 * without a key the pods read, is refused with the value named.
 */
import https from 'node:https';
import { spawnSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { installCrds, KubeApiservers, type KubeCluster } from '../../sim/kube';
import {
  CHART,
  DPU_WORKER_CHART,
  REQUIRED_VALUES,
  helmBinary,
  renderChart,
  renderDeployedDpuWorker,
  type K8sObject,
} from './helm';

const FIELD_MANAGER = 'xpuflow-chart-test';
const apis = new KubeApiservers();
let host: KubeCluster;
let dpu: KubeCluster;

beforeAll(async () => {
  helmBinary();
  [host, dpu] = await apis.start(['host', 'dpu']);
  await installCrds(host.kc);
  for (const [cluster, names] of [
    [host, ['xpuflow-system', 'dpus']],
    [dpu, ['xpuflow']],
  ] as const) {
    const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
    for (const name of names) await core.createNamespace({ body: { metadata: { name } } });
  }
}, 1_800_000);

afterAll(async () => {
  await apis.stop();
}, 60_000);

interface Answer {
  status: number;
  body: string;
  warnings: string[];
}

/** One HTTPS request to the cluster's apiserver with its admin token. */
function request(
  cluster: KubeCluster,
  method: string,
  path: string,
  body?: string,
  type?: string,
): Promise<Answer> {
  const c = cluster.kc.getCurrentCluster()!;
  const user = cluster.kc.getCurrentUser()!;
  const url = new URL(path, c.server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: Buffer.from(c.caData!, 'base64'),
        headers: {
          Authorization: `Bearer ${user.token}`,
          Accept: 'application/json',
          ...(type ? { 'Content-Type': type } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const w = res.headers.warning;
          resolve({ status: res.statusCode ?? 0, body: text, warnings: w ? [w].flat() : [] });
        });
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const discovery = new Map<string, Array<{ name: string; kind: string; namespaced: boolean }>>();

/** The REST path of an object, from the apiserver's discovery of its group/version. */
async function pathOf(cluster: KubeCluster, o: K8sObject): Promise<string> {
  const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const key = `${cluster.name} ${base}`;
  if (!discovery.has(key)) {
    const r = await request(cluster, 'GET', base);
    if (r.status !== 200) throw new Error(`discovery of ${base} on ${cluster.name}: ${r.status} ${r.body}`);
    discovery.set(
      key,
      (JSON.parse(r.body) as { resources: Array<{ name: string; kind: string; namespaced: boolean }> })
        .resources,
    );
  }
  const res = discovery.get(key)!.find((x) => x.kind === o.kind && !x.name.includes('/'));
  if (!res) throw new Error(`${cluster.name} serves no ${o.kind} in ${o.apiVersion}`);
  if (res.namespaced && !o.metadata.namespace)
    throw new Error(`${o.kind} ${o.metadata.name} is namespaced but the chart gave it no namespace`);
  const ns = res.namespaced ? `/namespaces/${o.metadata.namespace}` : '';
  return `${base}${ns}/${res.name}/${o.metadata.name}`;
}

/**
 * Server-side applies every object with dryRun=All and strict field
 * validation; returns one line per refusal or warning (empty: all accepted).
 */
async function dryRunApply(cluster: KubeCluster, objs: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objs) {
    const query = `?dryRun=All&fieldManager=${FIELD_MANAGER}&fieldValidation=Strict&force=true`;
    const r = await request(
      cluster,
      'PATCH',
      `${await pathOf(cluster, o)}${query}`,
      JSON.stringify(o),
      'application/apply-patch+yaml',
    );
    const what = `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (r.status !== 200 && r.status !== 201) {
      const msg = (() => {
        try {
          return (JSON.parse(r.body) as { message?: string }).message ?? r.body;
        } catch {
          return r.body;
        }
      })();
      problems.push(`${what}: ${r.status} ${msg}`);
    }
    for (const w of r.warnings) problems.push(`${what}: warning ${w}`);
  }
  return problems;
}

const TLS_AND_MORE = {
  'temporal.tlsSecret': 'temporal-client-tls',
  'temporal.apiKeySecret.name': 'temporal-api-key',
  'imagePullSecrets[0].name': 'registry',
  'hostWorker.vf.enabled': 'true',
  'controller.watchNamespace': 'dpus',
  'controlWorker.bfbCache.existingClaim': 'bfb-cache',
};

describe('host cluster: charts/xpuflow', () => {
  test('with default values every object is accepted, the DPUService by its CRD', async () => {
    const objs = renderChart();
    expect(objs.map((o) => o.kind)).toContain('DPUService');
    expect(await dryRunApply(host, objs)).toEqual([]);
  });

  test('with TLS, an API key, pull Secrets, VF attach and another watched namespace', async () => {
    const objs = renderChart(TLS_AND_MORE, [
      '--set-json',
      'hostWorker.vf.pools=[{"name":"pool-a","dpu":"dpu-1","vlan":100,"selector":{"pfNames":["enp3s0f0"]}}]',
      '--set-json',
      'dpuWorker.clusters=["dpu-cluster-a"]',
    ]);
    expect(await dryRunApply(host, objs)).toEqual([]);
  });

  test('guest mode (templates/guest.yaml), host components off, with TLS and another watched namespace', async () => {
    const objs = renderChart({
      'guest.enabled': 'true',
      'guest.cluster': 'guest-a',
      'guest.watchNamespace': 'dpus',
      'temporal.tlsSecret': 'temporal-client-tls',
      'controller.enabled': 'false',
      'controlWorker.enabled': 'false',
      'hostWorker.enabled': 'false',
      'dpuWorker.enabled': 'false',
    });
    expect(objs.map((o) => o.kind).sort()).toEqual(['Deployment', 'Role', 'RoleBinding', 'ServiceAccount']);
    expect(await dryRunApply(host, objs)).toEqual([]);
  });

  test('an object the schema refuses, or a field it does not know, is reported (the check can fail)', async () => {
    const objs = renderChart();
    const svc = objs.find((o) => o.kind === 'DPUService')!;
    const missing = { ...svc, spec: { ...(svc.spec as object), helmChart: { source: { chart: 'x' } } } };
    expect((await dryRunApply(host, [missing])).join('\n')).toMatch(
      /DPUService .*spec\.helmChart\.source\.(repoURL|version)/,
    );
    const unknown = { ...svc, spec: { ...(svc.spec as object), chart: 'x' } };
    expect((await dryRunApply(host, [unknown])).join('\n')).toMatch(
      /DPUService .*\.spec\.chart: field not declared in schema/,
    );
  });
});

describe('DPU cluster: charts/xpuflow-dpu-worker as the DPUService installs it', () => {
  test('with default values', async () => {
    const objs = renderDeployedDpuWorker(renderChart());
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['DaemonSet/xpuflow-dpu-worker']);
    expect(await dryRunApply(dpu, objs)).toEqual([]);
  });

  test('with TLS, an API key and pull Secrets', async () => {
    expect(await dryRunApply(dpu, renderDeployedDpuWorker(renderChart(TLS_AND_MORE)))).toEqual([]);
  });
});

describe('install: a value naming a missing Secret is refused, the value named', () => {
  function install(cluster: KubeCluster, chart: string, ns: string, set: Record<string, string>) {
    const args = ['install', 'xpuflow', chart, '--namespace', ns, '--kubeconfig', cluster.kubeconfigPath];
    args.push('--dry-run=server', '--skip-crds');
    for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${v}`);
    const r = spawnSync(helmBinary(), args, { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  }
  const secret = (cluster: KubeCluster, ns: string, name: string, keys: string[]) =>
    cluster.kc.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name },
        data: Object.fromEntries(keys.map((k) => [k, Buffer.from('x').toString('base64')])),
      },
    });

  test('host cluster: temporal.tlsSecret missing, then without ca.crt, then whole', async () => {
    const set = { ...REQUIRED_VALUES, 'temporal.tlsSecret': 'temporal-tls' };
    let r = install(host, CHART, 'xpuflow-system', set);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      'temporal.tlsSecret names Secret xpuflow-system/temporal-tls, which does not exist',
    );
    await secret(host, 'xpuflow-system', 'temporal-tls', ['tls.crt', 'tls.key']);
    r = install(host, CHART, 'xpuflow-system', set);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      'temporal.tlsSecret names Secret xpuflow-system/temporal-tls, which has no key ca.crt',
    );
    await host.kc
      .makeApiClient(k8s.CoreV1Api)
      .deleteNamespacedSecret({ name: 'temporal-tls', namespace: 'xpuflow-system' });
    await secret(host, 'xpuflow-system', 'temporal-tls', ['tls.crt', 'tls.key', 'ca.crt']);
    r = install(host, CHART, 'xpuflow-system', set);
    expect(r).toEqual({ status: 0, stderr: '' });
  });

  test('host cluster: the DPUService mirrors from the watched namespace, so the Secret must be there too', async () => {
    const r = install(host, CHART, 'xpuflow-system', {
      ...REQUIRED_VALUES,
      'temporal.tlsSecret': 'temporal-tls',
      'controller.watchNamespace': 'dpus',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('temporal.tlsSecret names Secret dpus/temporal-tls, which does not exist');
  });

  test('DPU cluster: an image pull Secret that is not there', async () => {
    const r = install(dpu, DPU_WORKER_CHART, 'xpuflow', {
      'temporal.address': 'temporal.example.com:7233',
      'imagePullSecrets[0].name': 'registry',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      'imagePullSecrets[0].name names Secret xpuflow/registry, which does not exist',
    );
  });
});
