/**
 * Multus's NetworkAttachmentDefinition CRD (the real one,
 * network-attachment-definition-crd.yaml beside this file) for a DPU cluster
 * in tests. No Multus runs: tests read the NetworkAttachmentDefinitions
 * xpuflow writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../kube/apiservers';

export const NAD_CRD_FILE = path.join(repoRoot(), 'sim', 'multus', 'network-attachment-definition-crd.yaml');

/** Installs network-attachment-definitions.k8s.cni.cncf.io and waits until it is served. */
export async function installNadCrd(kc: k8s.KubeConfig, timeoutMs = 30_000): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(fs.readFileSync(NAD_CRD_FILE, 'utf8'));
  const name = crd.metadata!.name!;
  try {
    await ext.createCustomResourceDefinition({ body: crd });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await ext.readCustomResourceDefinition({ name });
    if (c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} not Established in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
