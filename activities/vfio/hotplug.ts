/** `qmpDeviceAdd` / `qmpDeviceDel`: the VF into the running VM through QEMU's QMP socket, and out again. */
import { QmpClient, QmpError } from '../qmp/client';
import { qmpRefused } from './failures';

export function hotplugActivities() {
  return {
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
        if (err instanceof QmpError) throw qmpRefused(req.pciAddress, req.qmpSocket, err.message);
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
          // device_del was refused, so no DEVICE_DELETED will come: the wait's
          // timeout is expected and nobody awaits it (no unhandled rejection).
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
