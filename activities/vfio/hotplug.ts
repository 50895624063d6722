/** `qmpDeviceAdd` / `qmpDeviceDel`: the VF into the running VM through QEMU's QMP socket, and out again. */
import { Context } from '@temporalio/activity';
import { QmpClient, QmpError } from '../qmp/client';
import { qmpRefused } from './failures';

/**
 * Heartbeats every second while `call` runs, when it runs as an activity (a
 * test may call these functions directly: no context, no heartbeat). A host
 * worker killed inside the call is then noticed within the workflow's
 * heartbeat timeout, not its whole start-to-close bound.
 */
async function beating<T>(call: () => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch (err) {
    // The one case: not in an activity (Context.current() throws "Activity context not initialized").
    if (!(err instanceof Error) || !/context/i.test(err.message)) throw err;
  }
  const timer = ctx ? setInterval(() => ctx.heartbeat(), 1000) : undefined;
  ctx?.heartbeat();
  try {
    return await call();
  } finally {
    if (timer) clearInterval(timer);
  }
}

export function hotplugActivities() {
  return {
    /** device_add of the VF as vfio-pci; a device already plugged under `id` is success. */
    async qmpDeviceAdd(req: { qmpSocket: string; id: string; pciAddress: string }): Promise<void> {
      await beating(async () => {
        const qmp = await QmpClient.connect(req.qmpSocket);
        try {
          // A retried attempt (the last one's worker died inside device_add) finds the device QEMU added.
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
      });
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
