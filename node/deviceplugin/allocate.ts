/**
 * Allocate, for one container: every VF asked for is in the pool, its lease
 * is started (or joined), and a VF bound to vfio-pci brings its IOMMU group's
 * device node. The container learns its VFs from PCIDEVICE_<resource>.
 */
import * as grpc from '@grpc/grpc-js';
import { readIommuGroup } from '../../activities/sysfs';
import { leaseMac } from '../../model/vf';
import type { ContainerAllocateResponse } from '../../proto/load-vf';
import { serviceError } from '../../proto/service-error';
import { LeaseConflict, startOrJoinLease } from '../hostagent/leases';
import { resourceNameOf, xpuSideOf, type PoolVf } from './pool';
import type { DevicePluginOptions } from './options';

/** PCIDEVICE_XPUFLOW_IO_POOL_A, as the SR-IOV network device plugin names its env. */
export function pciEnvName(resourceName: string): string {
  return `PCIDEVICE_${resourceName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export async function allocateContainer(
  opts: DevicePluginOptions,
  /** The pool's VFs as last discovered (a poll may change them while this waits). */
  vfs: () => PoolVf[],
  ids: string[],
): Promise<ContainerAllocateResponse> {
  const resourceName = resourceNameOf(opts.pool);
  const res: ContainerAllocateResponse = { envs: {}, devices: [] };
  const vfio = new Set<string>();
  for (const id of ids) {
    const vf = vfs().find((v) => v.pciAddress === id);
    if (!vf)
      throw serviceError(
        grpc.status.INVALID_ARGUMENT,
        `device ${id} is not in pool ${resourceName} on node ${opts.node}`,
      );
    await leaseVf(opts, id);
    if (vf.driver === 'vfio-pci') vfio.add(await iommuGroupOf(opts, id));
  }
  res.envs = { [pciEnvName(resourceName)]: ids.join(',') };
  if (vfio.size) {
    res.devices = [
      { containerPath: '/dev/vfio/vfio', hostPath: '/dev/vfio/vfio', permissions: 'rw' },
      ...[...vfio].map((g) => ({
        containerPath: `/dev/vfio/${g}`,
        hostPath: `/dev/vfio/${g}`,
        permissions: 'rw',
      })),
    ];
  }
  return res;
}

/** Starts or joins the VF's lease; a lease held by another pod is FAILED_PRECONDITION. */
async function leaseVf(opts: DevicePluginOptions, id: string): Promise<void> {
  try {
    await startOrJoinLease(
      opts.client,
      {
        node: opts.node,
        pciAddress: id,
        resourceName: resourceNameOf(opts.pool),
        xpu: xpuSideOf(opts.pool),
        mac: leaseMac(opts.node, id),
        attachTimeoutMs: opts.attachTimeoutMs,
      },
      { eager: opts.eagerStart },
    );
  } catch (err) {
    if (err instanceof LeaseConflict) throw serviceError(grpc.status.FAILED_PRECONDITION, err.message);
    throw serviceError(
      grpc.status.UNAVAILABLE,
      `cannot start the lease of VF ${id}: ${(err as Error).message}`,
    );
  }
}

async function iommuGroupOf(opts: DevicePluginOptions, id: string): Promise<string> {
  const group = await readIommuGroup(opts.sysfsRoot, id);
  if (!group)
    throw serviceError(
      grpc.status.FAILED_PRECONDITION,
      `VF ${id} is bound to vfio-pci but has no iommu_group: is the IOMMU on (intel_iommu=on)?`,
    );
  return group;
}
