/**
 * helm for the chart tests: the binary scripts/kube-assets.sh builds once
 * from the Go module proxy into a cache outside the repository (the same
 * directory the kube-apiserver harness uses).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { releaseOf } from '../../model/dpu-service';
import type { DpuServiceSpec } from '../../model/resources/dpu-service';
import { kubeAssets } from '../../sim/kube';

export const REPO = path.resolve(__dirname, '..', '..');
export const CHART = path.join(REPO, 'charts', 'xpuflow');
/** The DPU worker's chart, which charts/xpuflow's DPUService installs into the DPU clusters. */
export const DPU_WORKER_CHART = path.join(REPO, 'charts', 'xpuflow-dpu-worker');

/** Values every install of charts/xpuflow must give: where the DPU clusters fetch the DPU worker chart. */
export const REQUIRED_VALUES: Record<string, string> = {
  'dpuWorker.chart.repoURL': 'https://charts.example.com/xpuflow',
};

export function helmBinary(): string {
  return path.join(kubeAssets(), 'helm');
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const r = spawnSync(helmBinary(), args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A Kubernetes object as rendered, loosely typed: tests look into it by path. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Parses a YAML stream (helm template's output) into its non-empty documents. */
export function parseStream(text: string): K8sObject[] {
  const docs = parseAllDocuments(text);
  const out: K8sObject[] = [];
  for (const d of docs) {
    if (d.errors.length > 0)
      throw new Error(`rendered YAML does not parse: ${d.errors.map((e) => e.message).join('; ')}`);
    const v = d.toJS() as K8sObject | null;
    if (v) out.push(v);
  }
  return out;
}

/**
 * helm template of the chart with REQUIRED_VALUES and --set pairs (which win);
 * throws with helm's stderr if it fails.
 */
export function renderChart(set: Record<string, string> = {}, extra: string[] = []): K8sObject[] {
  const args = ['template', 'xpuflow', CHART, '--namespace', 'xpuflow-system', ...extra];
  for (const [k, v] of Object.entries({ ...REQUIRED_VALUES, ...set })) args.push('--set', `${k}=${v}`);
  const r = helm(args);
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return parseStream(r.stdout);
}

/**
 * What the DPUService of a rendered charts/xpuflow installs in a DPU cluster:
 * the DPU worker chart rendered as the DPUService flow's Argo CD Application
 * does (release name = the DPUService's, its namespace, and the values
 * releaseOf(spec) hands over, node placement included).
 */
export function renderDeployedDpuWorker(hostObjects: K8sObject[]): K8sObject[] {
  const service = hostObjects.find((o) => o.kind === 'DPUService') as
    (K8sObject & { spec: DpuServiceSpec }) | undefined;
  if (!service) throw new Error('charts/xpuflow rendered no DPUService for the DPU worker');
  const release = releaseOf(service.spec);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dpu-values-'));
  try {
    const file = path.join(dir, 'values.yaml');
    fs.writeFileSync(file, stringify(release.values));
    const args = ['template', service.metadata.name, DPU_WORKER_CHART];
    args.push('--namespace', service.spec.namespace, '-f', file);
    const r = helm(args);
    if (r.status !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return parseStream(r.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
