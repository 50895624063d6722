/**
 * An audit log for the test API servers, to trace who asks what: with
 * XPUFLOW_KUBE_AUDIT_DIR set, each kube-apiserver writes every request's
 * metadata (verb, URI, user, user agent, times; no bodies) to
 * `<dir>/audit-<cluster>.log`, one JSON event a line (kube-apiserver's
 * `--audit-policy-file` and `--audit-log-path`, a Policy at level Metadata).
 */
import fs from 'node:fs';
import path from 'node:path';

const POLICY = [
  'apiVersion: audit.k8s.io/v1',
  'kind: Policy',
  'omitStages: [RequestReceived]',
  'rules:',
  '- level: Metadata',
  '',
].join('\n');

/** kube-apiserver flags for cluster `name` (its files in `dir`): none unless XPUFLOW_KUBE_AUDIT_DIR is set. */
export function auditLogFlags(name: string, dir: string): string[] {
  const out = process.env.XPUFLOW_KUBE_AUDIT_DIR;
  if (!out) return [];
  fs.mkdirSync(out, { recursive: true });
  const policy = path.join(dir, 'audit-policy.yaml');
  fs.writeFileSync(policy, POLICY);
  return [
    `--audit-policy-file=${policy}`,
    `--audit-log-path=${path.join(out, `audit-${name}.log`)}`,
    '--audit-log-maxsize=0',
  ];
}
