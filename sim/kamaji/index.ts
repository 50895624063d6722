/**
 * Kamaji for tests: its real TenantControlPlane CRD (vendored beside this
 * file from github.com/clastix/kamaji) in a host API server, and Kamaji's
 * controller played the way sim/argocd plays Argo CD — a test writes what
 * Kamaji would: the admin kubeconfig Secret `<tcp>-admin-kubeconfig` (key
 * admin.conf, kubeadm's AdminKubeConfigFileName; clastix/kamaji
 * internal/resources/kubeconfig.go @ ddbabd87ed0e) and the status fields
 * Kamaji reports (status.kubeconfig.admin.secretName,
 * status.kubernetesResources.version.{version,status},
 * status.controlPlaneEndpoint; api/v1alpha1/tenantcontrolplane_status.go).
 * The kubeconfig is a real cluster's: what joins through it is real.
 */
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../kube/apiservers';
import { installCrdFile } from '../kube/crds';
import {
  KAMAJI_GROUP,
  KAMAJI_VERSION,
  TENANT_CONTROL_PLANES,
  type KubernetesVersionStatus,
  type TenantControlPlaneResource,
} from '../../model/resources/tenant-control-plane';
import type { KubeCluster } from '../kube/apiservers';

export const TENANT_CONTROL_PLANE_CRD_FILE = path.join(
  repoRoot(),
  'sim',
  'kamaji',
  'kamaji.clastix.io_tenantcontrolplanes.yaml',
);

/** Installs tenantcontrolplanes.kamaji.clastix.io and waits until it is served. */
export async function installKamajiCrd(kc: k8s.KubeConfig, timeoutMs = 30_000): Promise<void> {
  await installCrdFile(kc, TENANT_CONTROL_PLANE_CRD_FILE, timeoutMs);
}

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Kamaji's controller, played on one host cluster. */
export class PlayedKamaji {
  private readonly custom: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;

  constructor(host: k8s.KubeConfig) {
    this.custom = host.makeApiClient(k8s.CustomObjectsApi);
    this.core = host.makeApiClient(k8s.CoreV1Api);
  }

  async get(namespace: string, name: string): Promise<TenantControlPlaneResource | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group: KAMAJI_GROUP,
        version: KAMAJI_VERSION,
        plural: TENANT_CONTROL_PLANES,
        namespace,
        name,
      })) as TenantControlPlaneResource;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  /** Writes status.kubernetesResources.version as Kamaji does while it works (Provisioning, NotReady…). */
  async report(namespace: string, name: string, status: KubernetesVersionStatus): Promise<void> {
    await this.patchStatus(namespace, name, { kubernetesResources: { version: { status } } });
  }

  /**
   * The control plane is up: the admin kubeconfig Secret (owned by the
   * TenantControlPlane, as Kamaji makes it) holds `cluster`'s kubeconfig, and
   * the status says Ready and names the Secret.
   */
  async ready(namespace: string, name: string, cluster: KubeCluster): Promise<void> {
    const tcp = await this.get(namespace, name);
    if (!tcp) throw new Error(`TenantControlPlane ${namespace}/${name} does not exist`);
    const secretName = `${name}-admin-kubeconfig`;
    const conf = Buffer.from(cluster.kubeconfigYaml).toString('base64');
    await this.core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: secretName,
          labels: { 'kamaji.clastix.io/name': name },
          ownerReferences: [
            {
              apiVersion: `${KAMAJI_GROUP}/${KAMAJI_VERSION}`,
              kind: 'TenantControlPlane',
              name,
              uid: tcp.metadata.uid!,
            },
          ],
        },
        data: { 'admin.conf': conf, 'super-admin.conf': conf },
      },
    });
    const version = (tcp.spec.kubernetes as { version?: string } | undefined)?.version;
    await this.patchStatus(namespace, name, {
      kubeconfig: { admin: { secretName } },
      kubernetesResources: { version: { ...(version ? { version } : {}), status: 'Ready' } },
      controlPlaneEndpoint: new URL(cluster.url).host,
    });
  }

  private async patchStatus(namespace: string, name: string, status: object): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: KAMAJI_GROUP,
        version: KAMAJI_VERSION,
        plural: TENANT_CONTROL_PLANES,
        namespace,
        name,
        body: { status },
      },
      MERGE,
    );
  }
}
