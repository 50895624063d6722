/**
 * Argo CD's Application CRD (the real one, application-crd.yaml beside this
 * file, from github.com/argoproj/argo-cd/v3) for a DPU cluster in tests. No
 * Argo CD controller runs: a test plays it by writing the Applications'
 * status (sync, health) and removing their resources finalizer on delete.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../kube/apiservers';

export const APPLICATION_CRD_FILE = path.join(repoRoot(), 'sim', 'argocd', 'application-crd.yaml');

/** Installs applications.argoproj.io and waits until it is served. */
export async function installArgoCrd(kc: k8s.KubeConfig, timeoutMs = 30_000): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  // k8s.loadYaml maps x-kubernetes-* keys onto the typed model (a plain object would lose them).
  const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(fs.readFileSync(APPLICATION_CRD_FILE, 'utf8'));
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

export {
  getApplication,
  listApplications,
  patchApplication,
  playArgo,
  type PlayedArgo,
  type PlayedHealth,
} from './played-argo';
