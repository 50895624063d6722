/**
 * Multus's NetworkAttachmentDefinition CRD (the real one,
 * network-attachment-definition-crd.yaml beside this file) for a DPU cluster
 * in tests. No Multus runs: tests read the NetworkAttachmentDefinitions
 * xpuflow writes.
 */
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../kube/apiservers';
import { installCrdFile } from '../kube/crds';

export const NAD_CRD_FILE = path.join(repoRoot(), 'sim', 'multus', 'network-attachment-definition-crd.yaml');

/** Installs network-attachment-definitions.k8s.cni.cncf.io and waits until it is served. */
export async function installNadCrd(kc: k8s.KubeConfig, timeoutMs = 30_000): Promise<void> {
  await installCrdFile(kc, NAD_CRD_FILE, timeoutMs);
}
