/**
 * The Helm charts, rendered by a real helm: lint, the four workloads (the DPU
 * worker as the DPUService of charts/xpuflow installs charts/xpuflow-dpu-worker
 * into a DPU cluster), their commands and Temporal settings, least-privilege
 * RBAC, no service account token in the node workers, TLS only when asked,
 * and values.schema.json refusing bad values with the field named.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { vfConfigProblems, type VfHostConfig } from '../../node/hostagent/config';
import { dpuServiceProblems } from '../../model/dpu-service';
import { controlProcessEnv } from '../../workers/control/process-memory';
import type { DpuServiceSpec } from '../../model/resources/dpu-service';
import {
  CHART,
  DPU_WORKER_CHART,
  REPO,
  REQUIRED_VALUES,
  helm,
  helmBinary,
  renderChart,
  renderDeployedDpuWorker,
  type K8sObject,
} from './helm';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  securityContext?: { privileged?: boolean; runAsNonRoot?: boolean };
}
interface Volume {
  name: string;
  hostPath?: { path: string };
  secret?: { secretName: string };
  emptyDir?: { sizeLimit?: string };
  persistentVolumeClaim?: { claimName: string };
  projected?: unknown;
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  containers: Container[];
  volumes?: Volume[];
  nodeSelector?: Record<string, string>;
}
interface Workload extends K8sObject {
  spec: { replicas?: number; template: { spec: PodSpec } };
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const NS = 'xpuflow-system';
/** The DPU worker's namespace in each DPU cluster (dpuWorker.namespace). */
const DPU_NS = 'xpuflow';
const WORKLOADS = [
  { kind: 'Deployment', name: 'xpuflow-controller' },
  { kind: 'Deployment', name: 'xpuflow-control-worker' },
  { kind: 'DaemonSet', name: 'xpuflow-host-worker' },
  { kind: 'DaemonSet', name: 'xpuflow-dpu-worker' },
] as const;
const REQUIRED_ARGS = Object.entries(REQUIRED_VALUES).flatMap(([k, v]) => ['--set', `${k}=${v}`]);

/** charts/xpuflow rendered, plus what its DPUService installs in a DPU cluster. */
function renderBoth(set: Record<string, string> = {}, extra: string[] = []): K8sObject[] {
  const host = renderChart(set, extra);
  return [...host, ...renderDeployedDpuWorker(host)];
}

function find(objs: K8sObject[], kind: string, name: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) {
    throw new Error(
      `no ${kind} ${name} rendered; got ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`,
    );
  }
  return o;
}
function workload(objs: K8sObject[], kind: string, name: string): Workload {
  return find(objs, kind, name) as Workload;
}
function pod(objs: K8sObject[], kind: string, name: string): PodSpec {
  return workload(objs, kind, name).spec.template.spec;
}
function env(c: Container): Map<string, EnvVar> {
  return new Map((c.env ?? []).map((e) => [e.name, e]));
}
function rulesOf(objs: K8sObject[]): Array<{ owner: string; rule: Rule }> {
  return objs
    .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
    .flatMap((o) =>
      ((o.rules as Rule[]) ?? []).map((rule) => ({ owner: `${o.kind}/${o.metadata.name}`, rule })),
    );
}
/** Whether some rule grants verb on group/resource. */
function grants(rules: Rule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource) && r.verbs.includes(verb),
  );
}

let tmp: string;
beforeAll(() => {
  helmBinary(); // the first run on a machine builds helm (minutes); later runs reuse the cache
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-chart-'));
}, 1_800_000);
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('helm lint', () => {
  test('both charts lint clean in strict mode, given their required values', () => {
    for (const [chart, args] of [
      [CHART, REQUIRED_ARGS],
      [DPU_WORKER_CHART, ['--set', 'temporal.address=temporal.example.com:7233']],
    ] as const) {
      const r = helm(['lint', '--strict', chart, ...args]);
      expect(`${r.stdout}${r.stderr}`).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.status).toBe(0);
    }
  });

  test("both charts' version and appVersion are package.json's version (released together)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    for (const dir of [CHART, DPU_WORKER_CHART]) {
      const chart = parse(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) as {
        appVersion: string;
        version: string;
      };
      expect({ dir, appVersion: chart.appVersion, version: chart.version }).toEqual({
        dir,
        appVersion: pkg.version,
        version: pkg.version,
      });
    }
  });

  test('scripts/chart-package.sh packages both charts into one Helm repository', () => {
    const out = path.join(tmp, 'repo');
    const r = spawnSync('bash', [path.join(REPO, 'scripts/chart-package.sh'), out], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const index = parse(fs.readFileSync(path.join(out, 'index.yaml'), 'utf8')) as {
      entries: Record<string, Array<{ version: string }>>;
    };
    expect(Object.keys(index.entries).sort()).toEqual(['xpuflow', 'xpuflow-dpu-worker']);
    expect(index.entries['xpuflow-dpu-worker'][0].version).toBe(index.entries.xpuflow[0].version);
  });
});

describe('default values', () => {
  let objs: K8sObject[];
  beforeAll(() => {
    objs = renderBoth();
  });

  test('all four workloads render, in the release namespace (the DPU worker in its DPU cluster namespace), with the chart-version image', () => {
    for (const w of WORKLOADS) {
      const o = workload(objs, w.kind, w.name);
      expect({ w: w.name, ns: o.metadata.namespace }).toEqual({
        w: w.name,
        ns: w.name === 'xpuflow-dpu-worker' ? DPU_NS : NS,
      });
      expect(o.spec.template.spec.containers).toHaveLength(1);
      expect(o.spec.template.spec.containers[0].image).toBe('xpuflow:0.1.0');
    }
  });

  test('each workload runs its xpuflow command', () => {
    const args = (kind: string, name: string) => pod(objs, kind, name).containers[0].args;
    expect(args('Deployment', 'xpuflow-controller')).toEqual(['controller']);
    expect(args('Deployment', 'xpuflow-control-worker')).toEqual(['worker', 'control']);
    expect(args('DaemonSet', 'xpuflow-host-worker')).toEqual([
      'worker',
      'host',
      '--node',
      '$(NODE_NAME)',
      '--sysfs-root',
      '/host/sys',
      '--discovery-interval',
      '30',
      '--discovery-remove-after',
      '300',
    ]);
    expect(args('DaemonSet', 'xpuflow-dpu-worker')).toEqual([
      'worker',
      'dpu',
      '--dpu-node',
      '$(NODE_NAME)',
      '--opi',
      '127.0.0.1:50151',
      '--ovs-db',
      'unix:/var/run/openvswitch/db.sock',
    ]);
    for (const name of ['xpuflow-host-worker', 'xpuflow-dpu-worker']) {
      const nodeName = env(pod(objs, 'DaemonSet', name).containers[0]).get('NODE_NAME');
      expect(nodeName?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
    }
  });

  test('every container gets TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE from the values', () => {
    for (const w of WORKLOADS) {
      for (const c of pod(objs, w.kind, w.name).containers) {
        const e = env(c);
        expect({ workload: w.name, value: e.get('TEMPORAL_ADDRESS')?.value }).toEqual({
          workload: w.name,
          value: 'temporal-frontend.temporal:7233',
        });
        expect({ workload: w.name, value: e.get('TEMPORAL_NAMESPACE')?.value }).toEqual({
          workload: w.name,
          value: 'default',
        });
      }
    }
  });

  test('the controller watches the release namespace unless told otherwise', () => {
    const e = env(pod(objs, 'Deployment', 'xpuflow-controller').containers[0]);
    expect(e.get('XPUFLOW_WATCH_NAMESPACE')?.value).toBe(NS);
    expect(e.has('XPUFLOW_DMS_IMAGE')).toBe(false);
    expect(e.has('XPUFLOW_DMS_BASE_PORT')).toBe(false);
  });

  test('the control worker gets its transfer bound and a BFB cache volume', () => {
    const p = pod(objs, 'Deployment', 'xpuflow-control-worker');
    const e = env(p.containers[0]);
    expect(e.get('XPUFLOW_MAX_TRANSFERS')?.value).toBe('16');
    expect(e.get('XPUFLOW_BFB_CACHE')?.value).toBe('/var/cache/xpuflow/bfb');
    expect(p.containers[0].volumeMounts).toContainEqual({
      name: 'bfb-cache',
      mountPath: '/var/cache/xpuflow/bfb',
    });
    expect(p.volumes).toContainEqual({ name: 'bfb-cache', emptyDir: { sizeLimit: '20Gi' } });
  });

  test('controlWorker.imageServer: off by default (no port, no variable, no Service); on, the control worker listens on its port and a Service exposes it', () => {
    const plainPod = pod(objs, 'Deployment', 'xpuflow-control-worker');
    const plain = env(plainPod.containers[0]);
    expect(plain.has('XPUFLOW_IMAGE_SERVER')).toBe(false);
    expect(plain.has('XPUFLOW_IMAGE_SERVER_URL')).toBe(false);
    expect(
      (plainPod.containers[0] as Container & { ports?: Array<{ name: string }> }).ports?.map((p) => p.name),
    ).toEqual(['metrics']);
    expect(objs.filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).not.toContain(
      'xpuflow-image-server',
    );

    const on = renderChart({
      'controlWorker.replicas': '1',
      'controlWorker.imageServer.enabled': 'true',
      'controlWorker.imageServer.port': '8090',
      'controlWorker.imageServer.advertisedUrl': 'http://192.0.2.10:30090',
      'controlWorker.imageServer.service.type': 'NodePort',
      'controlWorker.imageServer.service.nodePort': '30090',
    });
    const c = pod(on, 'Deployment', 'xpuflow-control-worker').containers[0] as Container & {
      ports?: Array<{ name: string; containerPort: number; protocol: string }>;
    };
    const e = env(c);
    expect(e.get('XPUFLOW_IMAGE_SERVER')?.value).toBe('0.0.0.0:8090');
    expect(e.get('XPUFLOW_IMAGE_SERVER_URL')?.value).toBe('http://192.0.2.10:30090');
    expect(c.ports).toEqual([
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
      { name: 'image-server', containerPort: 8090, protocol: 'TCP' },
    ]);
    const svc = find(on, 'Service', 'xpuflow-image-server') as K8sObject & {
      spec: { type: string; selector: Record<string, string>; ports: unknown[] };
    };
    expect(svc.metadata.namespace).toBe(NS);
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.ports).toEqual([
      { name: 'image-server', port: 8090, targetPort: 'image-server', protocol: 'TCP', nodePort: 30090 },
    ]);
    // The Service selects the control worker's pods, and only them.
    const cw = workload(on, 'Deployment', 'xpuflow-control-worker') as Workload & {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    for (const [k, v] of Object.entries(svc.spec.selector))
      expect(cw.spec.template.metadata.labels[k]).toBe(v);
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('control-worker');

    // Metrics off: the image server's port alone.
    const noMetrics = renderChart({
      'metrics.enabled': 'false',
      'controlWorker.imageServer.enabled': 'true',
      'controlWorker.imageServer.advertisedUrl': 'http://image.example.com:8089',
      'controlWorker.bfbCache.existingClaim': 'bfb-cache',
    });
    const c2 = pod(noMetrics, 'Deployment', 'xpuflow-control-worker').containers[0] as Container & {
      ports?: Array<{ name: string }>;
    };
    expect(c2.ports?.map((p) => p.name)).toEqual(['image-server']);
  });

  test('controlWorker.imageServer refuses no advertisedUrl, a URL that is not one, and several replicas without a shared BFB cache', () => {
    const on = { 'controlWorker.imageServer.enabled': 'true' };
    expect(() => renderChart({ ...on, 'controlWorker.replicas': '1' })).toThrow(
      /controlWorker\.imageServer\.advertisedUrl must be the URL BMCs fetch/,
    );
    expect(() =>
      renderChart({
        ...on,
        'controlWorker.replicas': '1',
        'controlWorker.imageServer.advertisedUrl': '10.0.0.5:8089',
      }),
    ).toThrow(/\/controlWorker\/imageServer\/advertisedUrl/);
    expect(() =>
      renderChart({ ...on, 'controlWorker.imageServer.advertisedUrl': 'http://10.0.0.5:8089' }),
    ).toThrow(/controlWorker\.replicas 2 needs controlWorker\.bfbCache\.existingClaim/);
    expect(() =>
      renderChart({
        ...on,
        'controlWorker.imageServer.advertisedUrl': 'http://10.0.0.5:8089',
        'controlWorker.imageServer.service.type': 'External',
      }),
    ).toThrow(/\/controlWorker\/imageServer\/service\/type/);
  });

  test("controlWorker.tuning becomes the control worker's XPUFLOW_* tuning variables; none set, none given", () => {
    const tuned = renderChart({
      'controlWorker.tuning.maxCachedWorkflows': '300',
      'controlWorker.tuning.workflowTaskPolls': '4',
    });
    const e = env(pod(tuned, 'Deployment', 'xpuflow-control-worker').containers[0]);
    expect(e.get('XPUFLOW_MAX_CACHED_WORKFLOWS')?.value).toBe('300');
    expect(e.get('XPUFLOW_WORKFLOW_TASK_POLLS')?.value).toBe('4');
    expect(e.has('XPUFLOW_WORKFLOW_THREADS')).toBe(false);
    const plain = env(pod(objs, 'Deployment', 'xpuflow-control-worker').containers[0]);
    expect([...plain.keys()].filter((k) => /CACHED_WORKFLOWS|_POLLS|_SLOTS|_THREADS/.test(k))).toEqual([]);
    // The schema refuses a key no worker reads, and a poll count the SDK refuses.
    expect(() => renderChart({ 'controlWorker.tuning.cacheSize': '3' })).toThrow(/cacheSize/);
    expect(() => renderChart({ 'controlWorker.tuning.workflowTaskPolls': '1' })).toThrow(/workflowTaskPolls/);
  });

  test("controlWorker.memory becomes the control worker's NODE_OPTIONS, MALLOC_ARENA_MAX and XPUFLOW_HEAP_GROWING_PERCENT; by default, process-memory.ts's", () => {
    const set = env(
      pod(
        renderChart({
          'controlWorker.memory.nodeOptions': '--max-semi-space-size=2',
          'controlWorker.memory.mallocArenaMax': '3',
          'controlWorker.memory.heapGrowingPercent': '40',
        }),
        'Deployment',
        'xpuflow-control-worker',
      ).containers[0],
    );
    expect(set.get('NODE_OPTIONS')?.value).toBe('--max-semi-space-size=2');
    expect(set.get('MALLOC_ARENA_MAX')?.value).toBe('3');
    expect(set.get('XPUFLOW_HEAP_GROWING_PERCENT')?.value).toBe('40');
    // The defaults are what `xpuflow demo` and the benchmarks start the control worker with.
    const plain = env(pod(objs, 'Deployment', 'xpuflow-control-worker').containers[0]);
    const launched = controlProcessEnv({});
    expect(plain.get('NODE_OPTIONS')?.value).toBe(launched.NODE_OPTIONS);
    expect(plain.get('MALLOC_ARENA_MAX')?.value).toBe(launched.MALLOC_ARENA_MAX);
    expect(plain.get('XPUFLOW_HEAP_GROWING_PERCENT')?.value).toBe(launched.XPUFLOW_HEAP_GROWING_PERCENT);
    // Empty and 0: Node's, glibc's and V8's own.
    const off = env(
      pod(
        renderChart({
          'controlWorker.memory.nodeOptions': '',
          'controlWorker.memory.mallocArenaMax': '0',
          'controlWorker.memory.heapGrowingPercent': '0',
        }),
        'Deployment',
        'xpuflow-control-worker',
      ).containers[0],
    );
    expect(off.has('NODE_OPTIONS')).toBe(false);
    expect(off.has('MALLOC_ARENA_MAX')).toBe(false);
    expect(off.get('XPUFLOW_HEAP_GROWING_PERCENT')?.value).toBe('0');
    expect(() => renderChart({ 'controlWorker.memory.heap': '3' })).toThrow(/heap/);
    expect(() => renderChart({ 'controlWorker.memory.heapGrowingPercent': '500' })).toThrow(
      /heapGrowingPercent/,
    );
  });

  test('controller and control worker share one ServiceAccount that the RBAC bindings name', () => {
    const sa = find(objs, 'ServiceAccount', 'xpuflow');
    expect(sa.metadata.namespace).toBe(NS);
    expect(pod(objs, 'Deployment', 'xpuflow-controller').serviceAccountName).toBe('xpuflow');
    expect(pod(objs, 'Deployment', 'xpuflow-control-worker').serviceAccountName).toBe('xpuflow');
    for (const [kind, name] of [
      ['ClusterRoleBinding', 'xpuflow'],
      ['RoleBinding', 'xpuflow-secrets'],
    ]) {
      const b = find(objs, kind, name) as K8sObject & {
        subjects: Array<{ kind: string; name: string; namespace: string }>;
      };
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'xpuflow', namespace: NS }]);
    }
  });

  test("the DPU worker, and the host worker without discovery or VF attach, mount no service account token and use no service account's rights", () => {
    const bare = renderBoth({ 'hostWorker.discovery.enabled': 'false' });
    for (const [name, rendered] of [
      ['xpuflow-host-worker', bare],
      ['xpuflow-dpu-worker', objs],
    ] as const) {
      const p = pod(rendered, 'DaemonSet', name);
      expect({ name, automount: p.automountServiceAccountToken }).toEqual({ name, automount: false });
      expect({ name, serviceAccountName: p.serviceAccountName }).toEqual({
        name,
        serviceAccountName: undefined,
      });
      expect((p.volumes ?? []).filter((v) => v.projected !== undefined)).toEqual([]);
      const mounts = p.containers.flatMap((c) => c.volumeMounts ?? []).map((m) => m.mountPath);
      expect(mounts.filter((m) => m.startsWith('/var/run/secrets'))).toEqual([]);
    }
    expect(bare.filter((o) => o.metadata.name === 'xpuflow-host-worker' && o.kind !== 'DaemonSet')).toEqual(
      [],
    );
    expect(pod(bare, 'DaemonSet', 'xpuflow-host-worker').containers[0].args).toEqual(
      expect.arrayContaining(['--discovery-interval', '0']),
    );
  });

  test("node discovery (on by default): the host worker's own account may get and patch nodes and post events, nothing else", () => {
    const p = pod(objs, 'DaemonSet', 'xpuflow-host-worker');
    expect(p.serviceAccountName).toBe('xpuflow-host-worker');
    expect(p.automountServiceAccountToken).toBe(true);
    const role = find(objs, 'ClusterRole', 'xpuflow-host-worker') as K8sObject & { rules: Rule[] };
    // The same rules test/kube/node-discovery.test.ts runs discovery with against a real apiserver.
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ]);
    const binding = find(objs, 'ClusterRoleBinding', 'xpuflow-host-worker') as K8sObject & {
      subjects: Array<{ kind: string; name: string; namespace: string }>;
    };
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'xpuflow-host-worker', namespace: NS },
    ]);
    const tuned = renderChart({}, [
      '--set',
      'hostWorker.discovery.intervalSeconds=5',
      '--set',
      'hostWorker.discovery.removeAfterSeconds=600',
      '--set-json',
      'hostWorker.discovery.extraIds=["0x15b3:0xa2df=BlueField-4"]',
    ]);
    expect(pod(tuned, 'DaemonSet', 'xpuflow-host-worker').containers[0].args).toEqual(
      expect.arrayContaining([
        '--discovery-interval',
        '5',
        '--discovery-remove-after',
        '600',
        '--xpu-id',
        '0x15b3:0xa2df=BlueField-4',
      ]),
    );
  });

  test('the host worker is privileged with the host /sys mounted where --sysfs-root points', () => {
    const p = pod(objs, 'DaemonSet', 'xpuflow-host-worker');
    const c = p.containers[0];
    expect(c.securityContext?.privileged).toBe(true);
    const sys = (p.volumes ?? []).find((v) => v.hostPath?.path === '/sys');
    expect(sys).toBeDefined();
    const mount = c.volumeMounts?.find((m) => m.name === sys?.name);
    expect(mount?.mountPath).toBe('/host/sys');
    expect(c.args?.[c.args.indexOf('--sysfs-root') + 1]).toBe(mount?.mountPath);
    // The DPU worker needs no such rights.
    expect(
      pod(objs, 'DaemonSet', 'xpuflow-dpu-worker').containers[0].securityContext?.privileged,
    ).toBeUndefined();
  });

  test("the DPU worker reaches the DPU's OVS: --ovs-db's directory is the host's, mounted at the same path", () => {
    const p = pod(objs, 'DaemonSet', 'xpuflow-dpu-worker');
    const c = p.containers[0];
    const db = c.args?.[c.args.indexOf('--ovs-db') + 1] ?? '';
    const dir = db.replace(/^unix:/, '').replace(/\/[^/]+$/, '');
    const vol = (p.volumes ?? []).find((v) => v.hostPath?.path === dir);
    expect(vol).toBeDefined();
    expect(c.volumeMounts?.find((m) => m.name === vol?.name)?.mountPath).toBe(dir);
    expect(c.securityContext?.privileged).toBeUndefined();
  });

  test('no RBAC rule anywhere holds a wildcard', () => {
    const rules = rulesOf(objs);
    expect(rules.length).toBeGreaterThan(0);
    for (const { owner, rule } of rules) {
      const fields = [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames, rule.nonResourceURLs];
      const wild = fields.flat().filter((x) => typeof x === 'string' && x.includes('*'));
      expect({ owner, rule, wild }).toEqual({ owner, rule, wild: [] });
    }
  });

  test('the ClusterRole grants what the controllers and workflows use, and no secrets', () => {
    const cr = find(objs, 'ClusterRole', 'xpuflow').rules as Rule[];
    const group = 'provisioning.xpuflow.dev';
    for (const res of [
      'dpus',
      'dpusets',
      'bfbs',
      'dpuflavors',
      'dpuclusters',
      'dpuservicecredentialrequests',
    ]) {
      for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']) {
        expect({ res, verb, granted: grants(cr, group, res, verb) }).toEqual({ res, verb, granted: true });
      }
      for (const sub of ['status', 'finalizers']) {
        for (const verb of ['update', 'patch']) {
          expect({ res: `${res}/${sub}`, verb, granted: grants(cr, group, `${res}/${sub}`, verb) }).toEqual({
            res: `${res}/${sub}`,
            verb,
            granted: true,
          });
        }
      }
    }
    // Service chains: read, finalizers and status; created and deleted only for a DPUDeployment that owns them.
    for (const res of ['dpuserviceinterfaces', 'dpuservicechains']) {
      for (const [r, verb, want] of [
        [res, 'watch', true],
        [res, 'patch', true],
        [res, 'create', true],
        [res, 'delete', true],
        [`${res}/status`, 'patch', true],
        [`${res}/finalizers`, 'update', true],
      ] as const)
        expect({ r, verb, granted: grants(cr, group, r, verb) }).toEqual({ r, verb, granted: want });
    }
    // Service IPAM and NADs: the ledger in IPAM status, a finalizer on NADs; neither is created or deleted.
    for (const [r, verb, want] of [
      ['dpuserviceipams', 'watch', true],
      ['dpuserviceipams/status', 'patch', true],
      ['dpuservicenads', 'patch', true],
      ['dpuserviceipams', 'update', false],
      ['dpuserviceipams', 'delete', false],
      ['dpuservicenads', 'create', false],
    ] as const)
      expect({ r, verb, granted: grants(cr, group, r, verb) }).toEqual({ r, verb, granted: want });
    expect(grants(cr, '', 'nodes', 'patch')).toBe(true);
    expect(grants(cr, '', 'nodes', 'delete')).toBe(false);
    expect(grants(cr, '', 'pods', 'create')).toBe(true);
    expect(grants(cr, '', 'pods/eviction', 'create')).toBe(true);
    expect(grants(cr, 'policy', 'poddisruptionbudgets', 'list')).toBe(true);
    expect(grants(cr, 'policy', 'poddisruptionbudgets', 'update')).toBe(false);
    expect(grants(cr, '', 'events', 'create')).toBe(true);
    expect(grants(cr, 'events.k8s.io', 'events', 'create')).toBe(true);
    expect(grants(cr, '', 'serviceaccounts', 'create')).toBe(true);
    expect(grants(cr, '', 'serviceaccounts/token', 'create')).toBe(true);
    expect(grants(cr, '', 'serviceaccounts', 'update')).toBe(false);
    expect(cr.some((r) => (r.resources ?? []).includes('secrets'))).toBe(false);
  });

  test('secrets are readable (and credential Secrets writable) in the release (watched) namespace only, through a Role', () => {
    const role = find(objs, 'Role', 'xpuflow-secrets');
    expect(role.metadata.namespace).toBe(NS);
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'update', 'delete'] },
      // kamaji DPUClusters: what the dpuCluster workflow makes beside them.
      {
        apiGroups: ['kamaji.clastix.io'],
        resources: ['tenantcontrolplanes'],
        verbs: ['get', 'list', 'watch', 'create', 'delete'],
      },
      {
        apiGroups: [''],
        resources: ['services', 'configmaps'],
        verbs: ['get', 'create', 'update', 'delete'],
      },
      { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get', 'create', 'update', 'delete'] },
    ]);
    const holders = rulesOf(objs).filter(({ rule }) => (rule.resources ?? []).includes('secrets'));
    expect([...new Set(holders.map((h) => h.owner))]).toEqual(['Role/xpuflow-secrets']);
  });

  test('without a TLS secret no container has TLS settings or the TLS volume', () => {
    for (const w of WORKLOADS) {
      const p = pod(objs, w.kind, w.name);
      const names = p.containers.flatMap((c) => (c.env ?? []).map((e) => e.name));
      expect(names.filter((n) => n.startsWith('TEMPORAL_TLS') || n === 'TEMPORAL_API_KEY')).toEqual([]);
      expect((p.volumes ?? []).map((v) => v.name)).not.toContain('temporal-tls');
    }
  });

  test('--include-crds renders every custom resource definition', () => {
    const withCrds = renderChart({}, ['--include-crds']);
    const crds = withCrds.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
    expect(crds.sort()).toEqual([
      'bfbs.provisioning.xpuflow.dev',
      'dpuclusters.provisioning.xpuflow.dev',
      'dpudeployments.provisioning.xpuflow.dev',
      'dpudevices.provisioning.xpuflow.dev',
      'dpudiscoveries.provisioning.xpuflow.dev',
      'dpuflavors.provisioning.xpuflow.dev',
      'dpunodes.provisioning.xpuflow.dev',
      'dpus.provisioning.xpuflow.dev',
      'dpuservicechains.provisioning.xpuflow.dev',
      'dpuserviceconfigurations.provisioning.xpuflow.dev',
      'dpuservicecredentialrequests.provisioning.xpuflow.dev',
      'dpuserviceinterfaces.provisioning.xpuflow.dev',
      'dpuserviceipams.provisioning.xpuflow.dev',
      'dpuservicenads.provisioning.xpuflow.dev',
      'dpuservices.provisioning.xpuflow.dev',
      'dpuservicetemplates.provisioning.xpuflow.dev',
      'dpusets.provisioning.xpuflow.dev',
      'vfclaims.provisioning.xpuflow.dev',
    ]);
  });
});

describe('Temporal TLS and API key', () => {
  let objs: K8sObject[];
  beforeAll(() => {
    objs = renderBoth({
      'temporal.address': 'temporal.example.internal:7233',
      'temporal.namespace': 'dpus',
      'temporal.tlsSecret': 'temporal-client-tls',
      'temporal.apiKeySecret.name': 'temporal-api-key',
      'temporal.apiKeySecret.key': 'token',
    });
  });

  test('every workload mounts the TLS secret and points envconfig at its files', () => {
    for (const w of WORKLOADS) {
      const p = pod(objs, w.kind, w.name);
      expect(p.volumes).toContainEqual(
        expect.objectContaining({
          name: 'temporal-tls',
          secret: expect.objectContaining({ secretName: 'temporal-client-tls' }),
        }),
      );
      const c = p.containers[0];
      expect(c.volumeMounts).toContainEqual({
        name: 'temporal-tls',
        mountPath: '/etc/xpuflow/temporal-tls',
        readOnly: true,
      });
      const e = env(c);
      expect({
        w: w.name,
        address: e.get('TEMPORAL_ADDRESS')?.value,
        ns: e.get('TEMPORAL_NAMESPACE')?.value,
      }).toEqual({
        w: w.name,
        address: 'temporal.example.internal:7233',
        ns: 'dpus',
      });
      expect(e.get('TEMPORAL_TLS_CLIENT_CERT_PATH')?.value).toBe('/etc/xpuflow/temporal-tls/tls.crt');
      expect(e.get('TEMPORAL_TLS_CLIENT_KEY_PATH')?.value).toBe('/etc/xpuflow/temporal-tls/tls.key');
      expect(e.get('TEMPORAL_TLS_SERVER_CA_CERT_PATH')?.value).toBe('/etc/xpuflow/temporal-tls/ca.crt');
      expect(e.get('TEMPORAL_API_KEY')?.valueFrom?.secretKeyRef).toEqual({
        name: 'temporal-api-key',
        key: 'token',
      });
      expect(e.get('TEMPORAL_API_KEY')?.value).toBeUndefined();
    }
  });
});

describe('other values', () => {
  test('an existing PVC for the BFB cache, a watch namespace, DMS settings and a host node selector are honoured', () => {
    const objs = renderChart(
      {
        'controlWorker.bfbCache.existingClaim': 'bfb-cache',
        'controlWorker.replicas': '2',
        'controller.watchNamespace': 'dpus',
        'controller.dmsImage': 'dms:1.2',
        'controller.dmsBasePort': '9400',
        'hostWorker.sysfsRoot': '/hostsys',
      },
      ['--set-string', 'hostWorker.nodeSelector.feature\\.node\\.kubernetes\\.io/pci-15b3\\.present=true'],
    );
    const cw = workload(objs, 'Deployment', 'xpuflow-control-worker');
    expect(cw.spec.replicas).toBe(2);
    expect(cw.spec.template.spec.volumes).toContainEqual({
      name: 'bfb-cache',
      persistentVolumeClaim: { claimName: 'bfb-cache' },
    });
    const ctl = env(pod(objs, 'Deployment', 'xpuflow-controller').containers[0]);
    expect(ctl.get('XPUFLOW_WATCH_NAMESPACE')?.value).toBe('dpus');
    expect(ctl.get('XPUFLOW_DMS_IMAGE')?.value).toBe('dms:1.2');
    expect(ctl.get('XPUFLOW_DMS_BASE_PORT')?.value).toBe('9400');
    // Secrets are read where the DPUClusters are: the watched namespace.
    expect(find(objs, 'Role', 'xpuflow-secrets').metadata.namespace).toBe('dpus');
    expect(find(objs, 'RoleBinding', 'xpuflow-secrets').metadata.namespace).toBe('dpus');
    const host = pod(objs, 'DaemonSet', 'xpuflow-host-worker');
    expect(host.nodeSelector).toEqual({ 'feature.node.kubernetes.io/pci-15b3.present': 'true' });
    expect(host.containers[0].args).toEqual([
      'worker',
      'host',
      '--node',
      '$(NODE_NAME)',
      '--sysfs-root',
      '/hostsys',
      '--discovery-interval',
      '30',
      '--discovery-remove-after',
      '300',
    ]);
    expect(host.containers[0].volumeMounts).toContainEqual({ name: 'sys', mountPath: '/hostsys' });
  });

  test('disabled parts render nothing; without rbac.create there are no roles', () => {
    const objs = renderChart({
      'hostWorker.enabled': 'false',
      'dpuWorker.enabled': 'false',
      'rbac.create': 'false',
    });
    expect(objs.filter((o) => o.kind === 'DaemonSet' || o.kind === 'DPUService')).toEqual([]);
    expect(objs.filter((o) => /Role/.test(o.kind))).toEqual([]);
    expect(
      objs
        .filter((o) => o.kind === 'Deployment')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['xpuflow-control-worker', 'xpuflow-controller']);
  });

  test('controlWorker.vfClaimGrants becomes the ConfigMap of guest VFClaim grants, one JSON per guest cluster; none by default', () => {
    const grants = (objs: K8sObject[]) =>
      objs.filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'xpuflow-vf-claim-grants');
    expect(grants(renderChart())).toEqual([]);
    const [cm] = grants(
      renderChart({
        'controlWorker.vfClaimGrants.guest-a.vms': '{vm1,tenant-a-*}',
        'controlWorker.vfClaimGrants.guest-a.pools': '{pool-a}',
      }),
    );
    expect(cm.metadata.namespace).toBe(NS);
    expect(JSON.parse((cm.data as Record<string, string>)['guest-a'])).toEqual({
      vms: ['vm1', 'tenant-a-*'],
      pools: ['pool-a'],
    });
  });
});

describe('VF attach on the host workers', () => {
  test('off by default: no VF config, no pods readable, no host network', () => {
    const objs = renderChart();
    expect(objs.filter((o) => /host-vf/.test(o.metadata.name))).toEqual([]);
    const role = find(objs, 'ClusterRole', 'xpuflow-host-worker') as K8sObject & { rules: Rule[] };
    expect(grants(role.rules, '', 'pods', 'get')).toBe(false);
    expect(
      (pod(objs, 'DaemonSet', 'xpuflow-host-worker') as PodSpec & { hostNetwork?: boolean }).hostNetwork,
    ).toBeUndefined();
  });

  test('on: the host worker reads a vf.json the host agent accepts, on the host network, with pods readable and nothing else', () => {
    const objs = renderChart({}, [
      '--set',
      'hostWorker.vf.enabled=true',
      '--set-json',
      'hostWorker.vf.pools=[{"name":"pool-a","dpu":"dpu-1","vlan":100,"selector":{"pfNames":["enp3s0f0"],"vfRange":"0-7"}}]',
    ]);
    const host = pod(objs, 'DaemonSet', 'xpuflow-host-worker') as PodSpec & { hostNetwork?: boolean };
    expect(host.hostNetwork).toBe(true);
    expect(host.serviceAccountName).toBe('xpuflow-host-worker');
    expect(host.containers[0].args).toEqual(
      expect.arrayContaining(['--vf-config', '/etc/xpuflow/vf/vf.json']),
    );
    const mounts = host.containers[0].volumeMounts!.map((m) => m.mountPath);
    expect(mounts).toEqual(
      expect.arrayContaining([
        '/etc/xpuflow/vf',
        '/run/xpuflow',
        '/var/lib/kubelet/device-plugins',
        '/var/run/netns',
      ]),
    );
    const cm = find(objs, 'ConfigMap', 'xpuflow-host-vf') as K8sObject & { data: Record<string, string> };
    const vf = JSON.parse(cm.data['vf.json']) as VfHostConfig;
    expect(vfConfigProblems(vf)).toEqual([]);
    expect(vf.pools[0]).toMatchObject({ name: 'pool-a', dpu: 'dpu-1', vlan: 100 });
    expect(vf.hostAgentSocket).toBe('/run/xpuflow/hostagent.sock');
    const role = find(objs, 'ClusterRole', 'xpuflow-host-worker') as K8sObject & { rules: Rule[] };
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ]);
    const vfOnly = renderChart({ 'hostWorker.discovery.enabled': 'false' }, [
      '--set',
      'hostWorker.vf.enabled=true',
    ]);
    expect(
      (find(vfOnly, 'ClusterRole', 'xpuflow-host-worker') as K8sObject & { rules: Rule[] }).rules,
    ).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
  });
});

describe('values.schema.json', () => {
  function renderWith(values: string): { status: number | null; stderr: string } {
    const file = path.join(tmp, `values-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, values);
    const r = helm(['template', 'xpuflow', CHART, ...REQUIRED_ARGS, '-f', file]);
    return { status: r.status, stderr: r.stderr };
  }

  test('controlWorker.replicas: "two" is refused with the field named', () => {
    const r = renderWith('controlWorker:\n  replicas: "two"\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toMatch(/at '\/controlWorker\/replicas': got string, want integer/);
  });

  test('a discovery interval of 0 and an xPU ID that is not VENDOR:DEVICE=MODEL are refused, each named', () => {
    const r = renderWith('hostWorker:\n  discovery:\n    intervalSeconds: 0\n    extraIds: ["a2df"]\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/at '\/hostWorker\/discovery\/intervalSeconds'/);
    expect(r.stderr).toMatch(/at '\/hostWorker\/discovery\/extraIds\/0'/);
  });

  test('a misspelt key, a bad pull policy and a bad Temporal address are refused, each named', () => {
    const r = renderWith(
      [
        'controlWorker:',
        '  replica: 2',
        'image:',
        '  pullPolicy: Sometimes',
        'temporal:',
        '  address: temporal-frontend',
        '',
      ].join('\n'),
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/at '\/controlWorker': additional properties 'replica' not allowed/);
    expect(r.stderr).toMatch(/at '\/image\/pullPolicy'/);
    expect(r.stderr).toMatch(/at '\/temporal\/address'.*temporal-frontend/);
  });

  test('a TLS secret that is not a valid Secret name is refused', () => {
    const r = renderWith('temporal:\n  tlsSecret: Not_A_Name\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/temporal\/tlsSecret/);
  });
});

describe('the DPU worker as a DPUService', () => {
  type DpuService = K8sObject & { spec: DpuServiceSpec };
  const serviceOf = (objs: K8sObject[]): DpuService =>
    find(objs, 'DPUService', 'xpuflow-dpu-worker') as DpuService;

  test('the chart makes no DPU worker workload in the host cluster, only a DPUService the flow accepts', () => {
    const objs = renderChart();
    expect(objs.filter((o) => o.kind === 'DaemonSet').map((o) => o.metadata.name)).toEqual([
      'xpuflow-host-worker',
    ]);
    const svc = serviceOf(objs);
    expect(svc.apiVersion).toBe('provisioning.xpuflow.dev/v1alpha1');
    expect(svc.metadata.namespace).toBe(NS);
    expect(dpuServiceProblems(svc.spec)).toEqual([]);
    expect(svc.spec.helmChart.source).toEqual({
      repoURL: 'https://charts.example.com/xpuflow',
      chart: 'xpuflow-dpu-worker',
      version: '0.1.0',
    });
    expect(svc.spec.namespace).toBe(DPU_NS);
    // No Secret to mirror, no cluster list: every DPUCluster of the namespace, one wave.
    expect(svc.spec.imagePullSecrets).toBeUndefined();
    expect(svc.spec.clusters).toBeUndefined();
    expect(svc.spec.helmChart.values).toMatchObject({
      image: { repository: 'xpuflow', tag: '0.1.0', pullPolicy: 'IfNotPresent' },
      temporal: { address: 'temporal-frontend.temporal:7233', namespace: 'default' },
      opiAddress: '127.0.0.1:50151',
    });
  });

  test('it lives in the watched namespace, mirrors the Secrets the worker needs, and carries targets, rollout and a DPU-side Temporal address', () => {
    const objs = renderChart(
      {
        'controller.watchNamespace': 'dpus',
        'temporal.tlsSecret': 'temporal-client-tls',
        'temporal.apiKeySecret.name': 'temporal-api-key',
        'imagePullSecrets[0].name': 'registry',
        'dpuWorker.temporalAddress': 'temporal.dpu.example.com:7233',
        'dpuWorker.chart.version': '0.1.0-rc.1',
        'dpuWorker.rollout.canary': 'dpu-cluster-a',
      },
      [
        '--set-json',
        'dpuWorker.clusters=["dpu-cluster-a","dpu-cluster-b"]',
        '--set-json',
        'dpuWorker.rollout.waves=[50,100]',
      ],
    );
    const svc = serviceOf(objs);
    expect(svc.metadata.namespace).toBe('dpus');
    expect(dpuServiceProblems(svc.spec)).toEqual([]);
    expect(svc.spec.imagePullSecrets).toEqual(['registry', 'temporal-client-tls', 'temporal-api-key']);
    expect(svc.spec.clusters).toEqual(['dpu-cluster-a', 'dpu-cluster-b']);
    expect(svc.spec.rollout).toEqual({ canary: 'dpu-cluster-a', waves: [50, 100] });
    expect(svc.spec.helmChart.source.version).toBe('0.1.0-rc.1');
    const deployed = renderDeployedDpuWorker(objs);
    const p = pod(deployed, 'DaemonSet', 'xpuflow-dpu-worker');
    const e = env(p.containers[0]);
    expect(e.get('TEMPORAL_ADDRESS')?.value).toBe('temporal.dpu.example.com:7233');
    expect(p.volumes).toContainEqual(expect.objectContaining({ name: 'temporal-tls' }));
    expect((p as PodSpec & { imagePullSecrets?: unknown }).imagePullSecrets).toEqual([{ name: 'registry' }]);
  });

  test('on the DPU cluster it runs on the DPU nodes only, on the host network', () => {
    const p = pod(renderDeployedDpuWorker(renderChart()), 'DaemonSet', 'xpuflow-dpu-worker') as PodSpec & {
      hostNetwork?: boolean;
      affinity?: unknown;
    };
    expect(p.hostNetwork).toBe(true);
    expect(p.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'provisioning.xpuflow.dev/dpu', operator: 'Exists' }] },
          ],
        },
      },
    });
  });

  test('without dpuWorker.chart.repoURL the chart is refused, the value named', () => {
    const r = helm(['template', 'xpuflow', CHART, '--namespace', NS]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/dpuWorker\/chart\/repoURL|dpuWorker\.chart\.repoURL/);
    // Turned off, it is not needed.
    expect(helm(['template', 'xpuflow', CHART, '--set', 'dpuWorker.enabled=false']).status).toBe(0);
  });

  test('the DPU worker chart alone refuses to render without a Temporal address, the value named', () => {
    const r = helm(['template', 'w', DPU_WORKER_CHART]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/temporal\/address/);
  });
});

describe('images and Secrets in values', () => {
  function render(chart: string, args: string[]): { status: number | null; stderr: string } {
    const r = helm(['template', 'x', chart, ...args]);
    return { status: r.status, stderr: r.stderr };
  }

  test('a DMS image without a tag is refused by the schema, the value named', () => {
    const r = render(CHART, [...REQUIRED_ARGS, '--set', 'controller.dmsImage=nvcr.io/nvidia/doca/dms']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/at '\/controller\/dmsImage'/);
    for (const ok of [
      'nvcr.io/nvidia/doca/dms:v2.9.1',
      `dms@sha256:${'a'.repeat(64)}`,
      'localhost:5000/dms:1',
    ])
      expect({
        ok,
        status: render(CHART, [...REQUIRED_ARGS, '--set', `controller.dmsImage=${ok}`]).status,
      }).toEqual({
        ok,
        status: 0,
      });
  });

  test('a tag in image.repository, or a tag that is not one, is refused in both charts', () => {
    for (const [chart, args] of [
      [CHART, REQUIRED_ARGS],
      [DPU_WORKER_CHART, ['--set', 'temporal.address=t.example.com:7233']],
    ] as const) {
      const inRepo = render(chart, [
        ...args,
        '--set',
        'image.repository=registry.example.com/xpuflow:latest',
      ]);
      expect(inRepo.status).not.toBe(0);
      expect(inRepo.stderr).toMatch(/at '\/image\/repository'/);
      const badTag = render(chart, [...args, '--set', 'image.tag=has space']);
      expect(badTag.status).not.toBe(0);
      expect(badTag.stderr).toMatch(/at '\/image\/tag'/);
      expect(render(chart, [...args, '--set', 'image.repository=localhost:5000/xpuflow']).status).toBe(0);
    }
  });

  test('a Secret value that is not a Secret name is refused in the DPU worker chart too', () => {
    const r = render(DPU_WORKER_CHART, [
      '--set',
      'temporal.address=t.example.com:7233',
      '--set',
      'temporal.apiKeySecret.name=Not_A_Secret',
    ]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/\/temporal\/apiKeySecret\/name/);
  });

  test('under helm template (no cluster) named Secrets are not looked up', () => {
    expect(render(CHART, [...REQUIRED_ARGS, '--set', 'temporal.tlsSecret=absent']).status).toBe(0);
  });
});
