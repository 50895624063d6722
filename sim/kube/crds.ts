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
  const crds = fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.yaml'))
    // k8s.loadYaml maps x-kubernetes-* keys onto the typed model (a plain object would lose them).
    .map((f) => k8s.loadYaml<k8s.V1CustomResourceDefinition>(fs.readFileSync(path.join(dir, f), 'utf8')))
    .filter((crd) => !leaveOut.includes(crd.metadata!.name!));
  // All at once: the apiserver takes each in a few tens of ms but one after another
  // added ~0.9 s to every cluster a test starts.
  await Promise.all(crds.map((crd) => ext.createCustomResourceDefinition({ body: crd })));
  const names = crds.map((crd) => crd.metadata!.name!);
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
  // One list per look, not one read per CRD: 18 CRDs are one request.
  for (;;) {
    const established = new Set(
      (await ext.listCustomResourceDefinition()).items
        .filter((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'))
        .map((c) => c.metadata!.name!),
    );
    const waiting = names.filter((n) => !established.has(n));
    if (!waiting.length) return;
    if (Date.now() > deadline)
      throw new Error(`CRDs ${waiting.join(', ')} not Established in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
