/**
 * DPUService logic without I/O, shared by the controller, the workflow and
 * the CLI: the spec's checks (each message names the field and its value),
 * the wave planner, and what a release renders to (the Helm values with the
 * DPU node selection, and the Argo CD Application spec). Pure and
 * deterministic: safe inside workflow code.
 */
import { DPU_NODE_LABEL } from './resources/common';
import type {
  ApplicationSpec,
  DpuServiceRollout,
  DpuServiceSpec,
  ServiceRelease,
} from './resources/dpu-service';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CHART_URL = /^(oci|https?):\/\/[^\s/?#]+(?:[/?#]\S*)?$/i;

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function checkName(field: string, v: unknown, what = 'a DNS-1123 subdomain'): string | undefined {
  if (typeof v !== 'string' || v.length > 253 || !DNS_SUBDOMAIN.test(v))
    return `${field} ${show(v)} is not ${what} (lowercase letters, digits, '-' and '.')`;
  return undefined;
}

/** Every problem with a DPUService spec that can be seen without reading a cluster. */
export function dpuServiceProblems(spec: unknown): string[] {
  if (!isPlainObject(spec)) return [`spec ${show(spec)} must be an object`];
  const s = spec as Partial<DpuServiceSpec>;
  const out: Array<string | undefined> = [];
  const hc = s.helmChart as Partial<DpuServiceSpec['helmChart']> | undefined;
  if (!isPlainObject(hc)) {
    out.push(`spec.helmChart ${show(hc)} must be an object with source {repoURL, chart, version}`);
  } else {
    const src = hc.source as Partial<DpuServiceSpec['helmChart']['source']> | undefined;
    if (!isPlainObject(src)) {
      out.push(`spec.helmChart.source ${show(src)} must be an object {repoURL, chart, version}`);
    } else {
      if (typeof src.repoURL !== 'string' || !CHART_URL.test(src.repoURL))
        out.push(
          `spec.helmChart.source.repoURL ${show(src.repoURL)} is not an oci://, http:// or https:// URL of a Helm repository`,
        );
      if (typeof src.chart !== 'string' || !/^[A-Za-z0-9][-A-Za-z0-9_./]*$/.test(src.chart))
        out.push(`spec.helmChart.source.chart ${show(src.chart)} is not a chart name`);
      if (typeof src.version !== 'string' || src.version.trim() === '' || /\s/.test(src.version))
        out.push(`spec.helmChart.source.version ${show(src.version)} is not a chart version (e.g. "1.2.3")`);
    }
    if (hc.values !== undefined && !isPlainObject(hc.values))
      out.push(
        `spec.helmChart.values ${show(hc.values)} must be an object of Helm values, not a scalar or list`,
      );
  }
  if (typeof s.namespace !== 'string' || !DNS_LABEL.test(s.namespace))
    out.push(
      `spec.namespace ${show(s.namespace)} is not a namespace name (DNS-1123 label: lowercase letters, digits and '-', at most 63)`,
    );
  if (s.nodeSelector !== undefined) {
    if (!isPlainObject(s.nodeSelector) || Object.values(s.nodeSelector).some((v) => typeof v !== 'string'))
      out.push(`spec.nodeSelector ${show(s.nodeSelector)} must map label keys to string values`);
  }
  if (s.imagePullSecrets !== undefined) {
    if (!Array.isArray(s.imagePullSecrets))
      out.push(`spec.imagePullSecrets ${show(s.imagePullSecrets)} must be a list of Secret names`);
    else s.imagePullSecrets.forEach((n, i) => out.push(checkName(`spec.imagePullSecrets[${i}]`, n)));
  }
  if (s.clusters !== undefined) {
    if (!Array.isArray(s.clusters))
      out.push(`spec.clusters ${show(s.clusters)} must be a list of DPUCluster names`);
    else s.clusters.forEach((n, i) => out.push(checkName(`spec.clusters[${i}]`, n)));
  }
  if (s.clusterSelector !== undefined && !isPlainObject(s.clusterSelector))
    out.push(`spec.clusterSelector ${show(s.clusterSelector)} must be a label selector object`);
  if (s.paused !== undefined && typeof s.paused !== 'boolean')
    out.push(`spec.paused ${show(s.paused)} must be true or false`);
  if (s.rollout !== undefined) out.push(...rolloutProblems(s.rollout));
  return out.filter((p): p is string => p !== undefined);
}

function rolloutProblems(r: unknown): string[] {
  if (!isPlainObject(r))
    return [`spec.rollout ${show(r)} must be an object {canary, waves, healthTimeoutSeconds}`];
  const x = r as Partial<DpuServiceRollout>;
  const out: Array<string | undefined> = [];
  if (x.canary !== undefined) out.push(checkName('spec.rollout.canary', x.canary, 'a DPUCluster name'));
  if (x.waves !== undefined) {
    if (!Array.isArray(x.waves) || x.waves.length === 0) {
      out.push(`spec.rollout.waves ${show(x.waves)} must be a non-empty list of percentages ending at 100`);
    } else {
      x.waves.forEach((p, i) => {
        if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 100)
          out.push(`spec.rollout.waves[${i}] ${show(p)} is not a whole percentage from 1 to 100`);
        else if (i > 0 && p <= (x.waves![i - 1] as number))
          out.push(
            `spec.rollout.waves[${i}] ${p} must be larger than the wave before it (${x.waves![i - 1]})`,
          );
      });
      const last = x.waves[x.waves.length - 1];
      if (last !== 100)
        out.push(`spec.rollout.waves ${show(x.waves)} must end at 100 so every cluster is reached`);
    }
  }
  const t = x.healthTimeoutSeconds;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 86400))
    out.push(
      `spec.rollout.healthTimeoutSeconds ${show(t)} must be a whole number of seconds from 1 to 86400`,
    );
  return out.filter((p): p is string => p !== undefined);
}

/**
 * The waves of a rollout over the target clusters (in the order given): the
 * canary alone first, then cumulative percentages of the others (rounded up,
 * empty waves dropped). No rollout spec: one wave of all.
 */
export function planWaves(
  clusters: string[],
  rollout: DpuServiceRollout | undefined,
): { waves: string[][] } | { problem: string } {
  if (clusters.length === 0) return { waves: [] };
  const canary = rollout?.canary;
  if (canary !== undefined && !clusters.includes(canary))
    return {
      problem: `spec.rollout.canary ${JSON.stringify(canary)} is not one of the target DPUClusters (${clusters.join(', ')}): name one of them or drop the canary`,
    };
  const rest = clusters.filter((c) => c !== canary);
  const waves: string[][] = canary !== undefined ? [[canary]] : [];
  const percents = rollout?.waves?.length ? rollout.waves : [100];
  let done = 0;
  for (const p of percents) {
    const upTo = Math.min(rest.length, Math.ceil((p * rest.length) / 100));
    if (upTo > done) waves.push(rest.slice(done, upTo));
    done = Math.max(done, upTo);
  }
  if (done < rest.length) waves.push(rest.slice(done));
  return { waves };
}

/**
 * The Helm values a release installs: the user's values, plus where the
 * chart's DaemonSet runs: spec.nodeSelector merged into values.nodeSelector,
 * or, with neither a nodeSelector nor an affinity given, a node affinity for
 * nodes that carry the DPU node label (its value differs per DPU, so a plain
 * nodeSelector cannot say "has the label").
 */
export function renderValues(spec: DpuServiceSpec): Record<string, unknown> {
  const values: Record<string, unknown> = { ...(spec.helmChart.values ?? {}) };
  if (spec.nodeSelector && Object.keys(spec.nodeSelector).length > 0) {
    const own = isPlainObject(values.nodeSelector) ? values.nodeSelector : {};
    values.nodeSelector = { ...own, ...spec.nodeSelector };
  } else if (values.nodeSelector === undefined && values.affinity === undefined) {
    values.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: DPU_NODE_LABEL, operator: 'Exists' }] }],
        },
      },
    };
  }
  return values;
}

export function releaseOf(spec: DpuServiceSpec): ServiceRelease {
  const { repoURL, chart, version } = spec.helmChart.source;
  return { repoURL, chart, version, values: renderValues(spec) };
}

/** The Argo CD Application name for a DPUService (in each DPU cluster's argocd namespace). */
export function applicationName(hostNamespace: string, name: string): string {
  return `${hostNamespace}-${name}`.slice(0, 253).replace(/[-.]+$/, '');
}

export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

export function applicationSpec(
  release: ServiceRelease,
  namespace: string,
  releaseName: string,
): ApplicationSpec {
  return {
    project: 'default',
    source: {
      repoURL: release.repoURL,
      chart: release.chart,
      targetRevision: release.version,
      helm: { releaseName, valuesObject: release.values },
    },
    destination: { server: IN_CLUSTER_SERVER, namespace },
    syncPolicy: {
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=true'],
    },
  };
}

/** Key order does not matter: two JSON values are the same when their canonical forms are. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined && x !== null)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, canonical(x)]),
    );
  }
  return v;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** "chart 1.2.3" or "chart 1.2.3 (values changed)" relative to another release, for messages. */
export function describeRelease(r: ServiceRelease): string {
  return `${r.chart} ${r.version}`;
}
