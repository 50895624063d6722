/**
 * VM claim activities on the host worker (Harvester vf-provisioner's steps):
 * claim a free VF of a PF for a VM (creating one when none is free, the VF
 * count going through 0, which is only allowed while no VF of the PF is in
 * use), bind it to vfio-pci through driver_override + unbind + drivers_probe,
 * hot-plug it with QMP device_add, and the reverse. Claims are files under
 * <stateDir>/vm-claims, created exclusively: two VMs never get one VF.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { bindDriver, listVfs, readDriver, readNumVfs, readTotalVfs, setNumVfs } from '../sysfs';
import { QmpClient, QmpError } from '../qmp/client';

export interface VmActivitiesOptions {
  node: string;
  sysfsRoot: string;
  /** Default /var/lib/xpuflow. */
  stateDir?: string;
}

export interface VmClaimedVf {
  pciAddress: string;
  /** The driver to rebind on release. */
  originalDriver: string;
  /** Whether this claim raised the PF's VF count. */
  created: boolean;
}

export function createVmActivities(opts: VmActivitiesOptions) {
  const root = opts.sysfsRoot;
  const claimsDir = path.join(opts.stateDir ?? '/var/lib/xpuflow', 'vm-claims');
  const claimFile = (pci: string) => path.join(claimsDir, pci.replace(/[:.]/g, '_'));
  const owner = async (pci: string) =>
    fs.readFile(claimFile(pci), 'utf8').then(
      (t) => JSON.parse(t) as { vm: string; originalDriver: string },
      () => undefined,
    );

  const tryClaim = async (pci: string, vm: string, originalDriver: string): Promise<boolean> => {
    await fs.mkdir(claimsDir, { recursive: true, mode: 0o700 });
    try {
      await fs.writeFile(claimFile(pci), JSON.stringify({ vm, originalDriver }), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  };

  return {
    /** The VM's VF on `pf`: the one it already claimed, a free one, or a new one. */
    async vmClaimVf(req: { pf: string; vm: string }): Promise<VmClaimedVf> {
      const vfs = await listVfs(root, req.pf);
      for (const vf of vfs) {
        const o = await owner(vf.pciAddress);
        if (o?.vm === req.vm)
          return { pciAddress: vf.pciAddress, originalDriver: o.originalDriver, created: false };
      }
      for (const vf of vfs) {
        if (vf.driver === 'vfio-pci' || (await owner(vf.pciAddress))) continue;
        const original = vf.driver ?? 'mlx5_core';
        if (await tryClaim(vf.pciAddress, req.vm, original))
          return { pciAddress: vf.pciAddress, originalDriver: original, created: false };
      }
      const [count, total] = [await readNumVfs(root, req.pf), await readTotalVfs(root, req.pf)];
      if (count >= total) {
        throw ApplicationFailure.nonRetryable(
          `PF ${req.pf} on node ${opts.node} has all ${total} VFs in use; release one or use another PF`,
          'NoFreeVf',
        );
      }
      if (count > 0) {
        throw ApplicationFailure.nonRetryable(
          `PF ${req.pf} on node ${opts.node} has no free VF and its ${count} VFs are in use: a new count must go through 0, which would destroy them; raise numVfs while the PF is idle`,
          'NoFreeVf',
        );
      }
      await setNumVfs(root, req.pf, count + 1);
      const [fresh] = (await listVfs(root, req.pf)).slice(count);
      if (!fresh || !(await tryClaim(fresh.pciAddress, req.vm, fresh.driver ?? 'mlx5_core'))) {
        throw ApplicationFailure.retryable(
          `VF created on ${req.pf} was taken before it could be claimed; retrying`,
          'VfRace',
        );
      }
      return { pciAddress: fresh.pciAddress, originalDriver: fresh.driver ?? 'mlx5_core', created: true };
    },

    async vmBindVfio(req: { pciAddress: string }): Promise<{ previous?: string }> {
      const { previous } = await bindDriver(root, req.pciAddress, 'vfio-pci');
      return { previous };
    },

    async vmRebindDriver(req: { pciAddress: string; driver: string }): Promise<void> {
      if ((await readDriver(root, req.pciAddress)) === req.driver) return;
      await bindDriver(root, req.pciAddress, req.driver);
    },

    async vmUnclaimVf(req: { pciAddress: string; vm: string }): Promise<void> {
      const o = await owner(req.pciAddress);
      if (o && o.vm === req.vm) await fs.rm(claimFile(req.pciAddress), { force: true });
    },

    /** device_add of the VF as vfio-pci; a device already plugged under `id` is success. */
    async qmpDeviceAdd(req: { qmpSocket: string; id: string; pciAddress: string }): Promise<void> {
      const qmp = await QmpClient.connect(req.qmpSocket);
      try {
        const plugged = await qmp.execute<Array<{ name: string }>>('qom-list', {
          path: '/machine/peripheral',
        });
        if (plugged.some((d) => d.name === req.id)) return;
        await qmp.execute('device_add', { driver: 'vfio-pci', host: req.pciAddress, id: req.id });
      } catch (err) {
        if (err instanceof QmpError) {
          throw ApplicationFailure.nonRetryable(
            `QMP device_add of ${req.pciAddress} to ${req.qmpSocket}: ${err.message}`,
            'QmpRefused',
          );
        }
        throw err;
      } finally {
        qmp.close();
      }
    },

    /** device_del and wait for DEVICE_DELETED (the guest released it); a device not there is success. */
    async qmpDeviceDel(req: { qmpSocket: string; id: string; timeoutMs?: number }): Promise<void> {
      const qmp = await QmpClient.connect(req.qmpSocket);
      try {
        const deleted = qmp.waitForEvent(
          (e) => e.event === 'DEVICE_DELETED' && e.data?.device === req.id,
          req.timeoutMs ?? 30_000,
        );
        try {
          await qmp.execute('device_del', { id: req.id });
        } catch (err) {
          deleted.catch(() => undefined);
          if (err instanceof QmpError && err.errorClass === 'DeviceNotFound') return;
          throw err;
        }
        await deleted;
      } finally {
        qmp.close();
      }
    },
  };
}

export type VmActivities = ReturnType<typeof createVmActivities>;
