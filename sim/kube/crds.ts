/**
 * Installs xpuflow's CRDs (charts/xpuflow/crds) into a cluster and waits until
 * they are served; `leaveOut` names CRDs (plural.group) not to install, as a
 * cluster a `helm upgrade` left without the chart's newer CRDs.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from './apiservers';

export async function installCrds(
  kc: k8s.KubeConfig,
  timeoutMs = 30_000,
  leaveOut: readonly string[] = [],
): Promise<string[]> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const dir = path.join(repoRoot(), 'charts/xpuflow/crds');
  const names: string[] = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    // k8s.loadYaml maps x-kubernetes-* keys onto the typed model (a plain object would lose them).
    const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(fs.readFileSync(path.join(dir, f), 'utf8'));
    if (leaveOut.includes(crd.metadata!.name!)) continue;
    await ext.createCustomResourceDefinition({ body: crd });
    names.push(crd.metadata!.name!);
  }
  await waitEstablished(ext, names, timeoutMs);
  return names;
}

/**
 * Installs one CRD from a YAML file (another project's, as tests vendor them:
 * Argo CD's Application, Multus's NetworkAttachmentDefinition, Kamaji's
 * TenantControlPlane) and waits until it is served; one already there is kept.
 */
export async function installCrdFile(kc: k8s.KubeConfig, file: string, timeoutMs = 30_000): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  // k8s.loadYaml maps x-kubernetes-* keys onto the typed model (a plain object would lose them).
  const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(fs.readFileSync(file, 'utf8'));
  try {
    await ext.createCustomResourceDefinition({ body: crd });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err; // 409: installed by an earlier run on this cluster
  }
  await waitEstablished(ext, [crd.metadata!.name!], timeoutMs);
}

async function waitEstablished(
  ext: k8s.ApiextensionsV1Api,
  names: string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const c = await ext.readCustomResourceDefinition({ name });
      if (c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
