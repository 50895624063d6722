/**
 * Argo CD's Application CRD (the real one, application-crd.yaml beside this
 * file, from github.com/argoproj/argo-cd/v3) for a DPU cluster in tests. No
 * Argo CD controller runs: a test plays it by writing the Applications'
 * status (sync, health) and removing their resources finalizer on delete.
 */
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../kube/apiservers';
import { installCrdFile } from '../kube/crds';

export const APPLICATION_CRD_FILE = path.join(repoRoot(), 'sim', 'argocd', 'application-crd.yaml');

/** Installs applications.argoproj.io and waits until it is served. */
export async function installArgoCrd(kc: k8s.KubeConfig, timeoutMs = 30_000): Promise<void> {
  await installCrdFile(kc, APPLICATION_CRD_FILE, timeoutMs);
}

export {
  getApplication,
  listApplications,
  patchApplication,
  playArgo,
  type PlayedArgo,
  type PlayedHealth,
} from './played-argo';
