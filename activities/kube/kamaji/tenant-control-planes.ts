/** Kamaji's TenantControlPlanes in the host cluster, through the custom-objects API (another group than xpuflow's). */
import type { Kube } from '../../../platform/kube/client';
import { isNotFound } from '../../../platform/kube/client';
import {
  KAMAJI_GROUP,
  KAMAJI_VERSION,
  TENANT_CONTROL_PLANES,
  type TenantControlPlaneResource,
} from '../../../model/resources/tenant-control-plane';

const at = (namespace: string) => ({
  group: KAMAJI_GROUP,
  version: KAMAJI_VERSION,
  namespace,
  plural: TENANT_CONTROL_PLANES,
});

export async function getTenantControlPlane(
  host: Kube,
  namespace: string,
  name: string,
): Promise<TenantControlPlaneResource | undefined> {
  try {
    return (await host.custom.getNamespacedCustomObject({
      ...at(namespace),
      name,
    })) as TenantControlPlaneResource;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function createTenantControlPlane(host: Kube, namespace: string, body: object): Promise<void> {
  await host.custom.createNamespacedCustomObject({ ...at(namespace), body });
}

/** Deletes it; one already gone is fine. */
export async function deleteTenantControlPlane(
  host: Kube,
  namespace: string,
  name: string,
): Promise<boolean> {
  try {
    await host.custom.deleteNamespacedCustomObject({ ...at(namespace), name });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
