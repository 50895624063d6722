/**
 * helm for the chart tests: the binary scripts/kube-assets.sh builds once
 * from the Go module proxy into a cache outside the repository (the same
 * directory the kube-apiserver harness uses).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubeAssets } from '../../sim/kube';

export const REPO = path.resolve(__dirname, '..', '..');
export const CHART = path.join(REPO, 'charts', 'xpuflow');

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

/** helm template of the chart with --set pairs; throws with helm's stderr if it fails. */
export function renderChart(set: Record<string, string> = {}, extra: string[] = []): K8sObject[] {
  const args = ['template', 'xpuflow', CHART, '--namespace', 'xpuflow-system', ...extra];
  for (const [k, v] of Object.entries(set)) args.push('--set', `${k}=${v}`);
  const r = helm(args);
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return parseStream(r.stdout);
}
