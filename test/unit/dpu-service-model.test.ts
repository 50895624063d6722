/** DPUService logic without I/O: the spec's checks name field and value; the wave planner; what a release renders to. */
import type { DpuServiceResource, DpuServiceSpec } from '../../model/resources/dpu-service';
import { renderServiceStatus, rolloutOutcome } from '../../cli/dpu-service/render';
import { DPU_NODE_LABEL } from '../../model/resources/common';
import { supersedes } from '../../model/dpu-service-api';
import {
  applicationName,
  applicationSpec,
  dpuServiceProblems,
  planWaves,
  releaseOf,
  renderValues,
  sameJson,
} from '../../model/dpu-service';
import { dpuServiceWorkflowId } from '../../model/workflow-ids';
import { applicationHash, readApplication } from '../../activities/argocd/dpu-service';
import { targetClusters } from '../../controllers/dpu-service-controller';
import type { DpuClusterResource } from '../../model/resources/common';

const good: DpuServiceSpec = {
  helmChart: {
    source: { repoURL: 'oci://ghcr.io/example/charts', chart: 'ovn-dataplane', version: '1.2.3' },
    values: { replicas: 1, image: { tag: 'v1' } },
  },
  namespace: 'dpu-services',
  imagePullSecrets: ['ghcr-pull'],
  rollout: { canary: 'dpu1', waves: [50, 100], healthTimeoutSeconds: 60 },
};

describe('dpuServiceProblems', () => {
  test('a good spec has none', () => {
    expect(dpuServiceProblems(good)).toEqual([]);
    expect(
      dpuServiceProblems({
        ...good,
        helmChart: { source: { ...good.helmChart.source, repoURL: 'https://charts.example' } },
      }),
    ).toEqual([]);
  });

  test.each([
    [
      { repoURL: 'ftp://charts.example' },
      'spec.helmChart.source.repoURL "ftp://charts.example" is not an oci://',
    ],
    [{ repoURL: 'ghcr.io/example' }, 'spec.helmChart.source.repoURL "ghcr.io/example"'],
    [{ version: '' }, 'spec.helmChart.source.version ""'],
    [{ chart: 'a b' }, 'spec.helmChart.source.chart "a b"'],
  ])('source %j is refused naming field and value', (patch, message) => {
    const spec = {
      ...good,
      helmChart: { ...good.helmChart, source: { ...good.helmChart.source, ...patch } },
    };
    const problems = dpuServiceProblems(spec);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  test.each([['a string'], [[1, 2]], [3]])('values %j (not an object) is refused', (values) => {
    const problems = dpuServiceProblems({ ...good, helmChart: { ...good.helmChart, values } });
    expect(problems).toEqual([
      `spec.helmChart.values ${JSON.stringify(values)} must be an object of Helm values, not a scalar or list`,
    ]);
  });

  test('namespace, pull secrets, clusters, paused and rollout are each named', () => {
    const problems = dpuServiceProblems({
      ...good,
      namespace: 'Bad_NS',
      imagePullSecrets: ['ok', 'NOT OK'],
      clusters: ['dpu1', ''],
      paused: 'yes',
      rollout: { canary: 'dpu1', waves: [60, 40], healthTimeoutSeconds: 0 },
    });
    expect(problems.join('\n')).toEqual(
      [
        'spec.namespace "Bad_NS" is not a namespace name (DNS-1123 label: lowercase letters, digits and \'-\', at most 63)',
        "spec.imagePullSecrets[1] \"NOT OK\" is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')",
        "spec.clusters[1] \"\" is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')",
        'spec.paused "yes" must be true or false',
        'spec.rollout.waves[1] 40 must be larger than the wave before it (60)',
        'spec.rollout.waves [60,40] must end at 100 so every cluster is reached',
        'spec.rollout.healthTimeoutSeconds 0 must be a whole number of seconds from 1 to 86400',
      ].join('\n'),
    );
  });

  test('a missing helmChart or a non-object spec', () => {
    expect(dpuServiceProblems({ namespace: 'x' })[0]).toContain('spec.helmChart nothing must be an object');
    expect(dpuServiceProblems(null)).toEqual(['spec null must be an object']);
  });
});

describe('planWaves', () => {
  const clusters = ['dpu1', 'dpu2', 'dpu3', 'dpu4', 'dpu5'];
  test('no rollout spec: one wave of all', () => {
    expect(planWaves(clusters, undefined)).toEqual({ waves: [clusters] });
  });
  test('the canary alone first, then cumulative percentages of the rest (rounded up)', () => {
    expect(planWaves(clusters, { canary: 'dpu3', waves: [50, 100] })).toEqual({
      waves: [['dpu3'], ['dpu1', 'dpu2'], ['dpu4', 'dpu5']],
    });
    expect(planWaves(clusters, { waves: [10, 50, 100] })).toEqual({
      waves: [['dpu1'], ['dpu2', 'dpu3'], ['dpu4', 'dpu5']],
    });
  });
  test('empty waves are dropped; a canary alone with nothing else is one wave', () => {
    expect(planWaves(['a', 'b'], { waves: [1, 2, 100] })).toEqual({ waves: [['a'], ['b']] });
    expect(planWaves(['a'], { canary: 'a', waves: [50, 100] })).toEqual({ waves: [['a']] });
    expect(planWaves([], { canary: 'a' })).toEqual({ waves: [] });
  });
  test('a canary that is not a target is refused naming it', () => {
    expect(planWaves(['a', 'b'], { canary: 'c' })).toEqual({
      problem:
        'spec.rollout.canary "c" is not one of the target DPUClusters (a, b): name one of them or drop the canary',
    });
  });
});

describe('rendering', () => {
  test('without a nodeSelector the values get an affinity for nodes with the DPU node label', () => {
    const v = renderValues(good);
    expect(v.replicas).toBe(1);
    expect(JSON.stringify(v.affinity)).toContain(`{"key":"${DPU_NODE_LABEL}","operator":"Exists"}`);
    expect(v.nodeSelector).toBeUndefined();
  });
  test('spec.nodeSelector is merged into values.nodeSelector', () => {
    const v = renderValues({
      ...good,
      helmChart: { ...good.helmChart, values: { nodeSelector: { a: '1' } } },
      nodeSelector: { 'xpuflow.dev/role': 'dpu' },
    });
    expect(v).toEqual({ nodeSelector: { a: '1', 'xpuflow.dev/role': 'dpu' } });
  });
  test('the Application: in-cluster destination, automated prune and self-heal, CreateNamespace', () => {
    const spec = applicationSpec(releaseOf(good), 'dpu-services', 'svc');
    expect(spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'dpu-services' });
    expect(spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=true'],
    });
    expect(spec.source).toMatchObject({
      repoURL: 'oci://ghcr.io/example/charts',
      chart: 'ovn-dataplane',
      targetRevision: '1.2.3',
    });
    expect(applicationName('ns', 'svc')).toBe('ns-svc');
    expect(dpuServiceWorkflowId({ namespace: 'ns', name: 'svc', uid: '0123456789abcdef' })).toBe(
      'dpuservice-ns-svc-01234567',
    );
  });
  test('the spec hash ignores key order and changes with the values', () => {
    const a = applicationSpec(releaseOf(good), 'dpu-services', 'svc');
    const reversed = (v: unknown): unknown =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v)
              .reverse()
              .map(([k, x]) => [k, reversed(x)]),
          )
        : v;
    const b = reversed(a) as typeof a;
    expect(JSON.stringify(b)).not.toBe(JSON.stringify(a));
    expect(applicationHash({ spec: a })).toBe(applicationHash({ spec: b }));
    const c = applicationSpec(
      releaseOf({ ...good, helmChart: { ...good.helmChart, values: { replicas: 2 } } }),
      'dpu-services',
      'svc',
    );
    expect(applicationHash({ spec: c })).not.toBe(applicationHash({ spec: a }));
    expect(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
  });
});

describe('reading an Application', () => {
  const wanted = applicationSpec(releaseOf(good), 'dpu-services', 'svc');
  const app = (comparedVersion: string, health: string) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'x' },
    spec: wanted,
    status: {
      sync: {
        status: 'Synced',
        revision: comparedVersion,
        comparedTo: { source: { ...wanted.source, targetRevision: comparedVersion } },
      },
      health: { status: health },
    },
  });
  test('a Healthy status about another version is not current (a stale Healthy does not pass)', () => {
    expect(readApplication('dpu1', app('1.2.2', 'Healthy'), wanted)).toMatchObject({
      current: false,
      health: 'Healthy',
    });
    expect(readApplication('dpu1', app('1.2.3', 'Healthy'), wanted)).toEqual({
      cluster: 'dpu1',
      sync: 'Synced',
      health: 'Healthy',
      revision: '1.2.3',
      current: true,
    });
    expect(readApplication('dpu1', undefined, wanted)).toMatchObject({ sync: 'Missing', current: false });
  });
});

describe('controller helpers', () => {
  const dc = (name: string, labels: Record<string, string> = {}) =>
    ({ metadata: { name, labels }, spec: { kubeconfigSecret: { name: 'k' } } }) as DpuClusterResource;
  test('targets: spec.clusters, else the selector, else every DPUCluster; sorted', () => {
    const all = [dc('b', { tier: 'edge' }), dc('a'), dc('c', { tier: 'edge' })];
    expect(targetClusters({ ...good, clusters: ['z', 'y'] }, all)).toEqual(['y', 'z']);
    expect(targetClusters({ ...good, clusterSelector: { matchLabels: { tier: 'edge' } } }, all)).toEqual([
      'b',
      'c',
    ]);
    expect(targetClusters(good, all)).toEqual(['a', 'b', 'c']);
  });
  test('a signal supersedes on a newer generation or another cluster set only', () => {
    const d = { generation: 2, spec: good, clusters: ['a'] };
    expect(supersedes(d, undefined)).toBe(true);
    expect(supersedes(d, { ...d })).toBe(false);
    expect(supersedes({ ...d, generation: 1 }, d)).toBe(false);
    expect(supersedes({ ...d, generation: 3 }, d)).toBe(true);
    expect(supersedes({ ...d, clusters: ['a', 'b'] }, d)).toBe(true);
  });
});

describe('xpuflow service status', () => {
  const svc: DpuServiceResource = {
    apiVersion: 'provisioning.xpuflow.dev/v1alpha1',
    kind: 'DPUService',
    metadata: { name: 'telemetry', namespace: 'dpus', generation: 3 },
    spec: good,
    status: {
      phase: 'RolledBack',
      observedGeneration: 3,
      message: 'rollout of ovn-dataplane 1.2.3 stopped at wave 1/2 (dpu1)',
      waves: [['dpu1'], ['dpu2']],
      currentWave: 1,
      totalWaves: 2,
      clusters: [
        { cluster: 'dpu1', sync: 'Synced', health: 'Degraded', revision: '1.2.3' },
        { cluster: 'dpu2', sync: 'Synced', health: 'Healthy', revision: '' },
      ],
      lastHealthy: { repoURL: 'oci://x', chart: 'ovn-dataplane', version: '1.2.2', values: {} },
    },
  };
  test('shows phase, waves, a row per cluster and the last healthy release', () => {
    expect(renderServiceStatus(svc)).toEqual([
      'DPUService dpus/telemetry: RolledBack',
      '  chart ovn-dataplane 1.2.3 from oci://ghcr.io/example/charts into namespace dpu-services',
      '  generation 3, observed 3',
      '  wave 1/2: ▶[dpu1] [dpu2]',
      '  rollout of ovn-dataplane 1.2.3 stopped at wave 1/2 (dpu1)',
      '  CLUSTER  SYNC    HEALTH    REVISION',
      '  dpu1     Synced  Degraded  1.2.3',
      '  dpu2     Synced  Healthy   -',
      '  last healthy: ovn-dataplane 1.2.2',
    ]);
  });
  test('a rollout is over when its generation is observed and Ready, rolled back, degraded or paused', () => {
    expect(rolloutOutcome(svc, 3)).toBe('stopped');
    expect(rolloutOutcome(svc, 4)).toBeUndefined();
    expect(rolloutOutcome({ ...svc, status: { ...svc.status, phase: 'Ready' } }, 3)).toBe('ready');
    expect(rolloutOutcome({ ...svc, status: { ...svc.status, phase: 'Progressing' } }, 3)).toBeUndefined();
  });
});
