/**
 * VM claims (Harvester's vf-provisioner flow) on a dev server: the control
 * worker as a process, the host's activities in this process against the
 * sysfs simulator, and a QMP simulator playing the running VM.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createVmActivities } from '../../activities/vfio';
import { waitForPollers } from '../../platform/connection/pollers';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../../model/task-queues';
import {
  vmClaimStatusQuery,
  vmReleaseSignal,
  type VmClaimInput,
  type VmClaimStatus,
} from '../../model/vm-claim-api';
import { vmClaimWorkflowId } from '../../model/workflow-ids';
import { startQmpSim, type QmpSim } from '../../sim/qmp';
import { createSysfsTree, startSimKernel, type SimKernel } from '../../sim/sysfs';
import { spawnControlWorker, type WorkerProcess } from '../../cli/demo/worker-processes';
import { DevServer } from '../support/dev-server';
import { captureHistory } from '../support/history-capture';
import { holdLock, LOCKS } from '../support/exclusive-lock';

// Changes this host's network namespaces, links or OVS: one such file at a time, whatever else jest runs beside it.
holdLock(LOCKS.hostNetwork);

const PF = '0000:5e:00.0';
const node = 'vm-host-1';

describe('VM claims: create VF, bind vfio-pci, QMP hot-plug, release', () => {
  const server = new DevServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-vm-'));
  const sysfsRoot = path.join(dir, 'sys');
  let client: Client;
  let control: WorkerProcess;
  let kernel: SimKernel;
  let hostConnection: NativeConnection;
  let host: Worker;
  let hostRun: Promise<void>;
  let qmp: QmpSim;
  let vf0: string;

  beforeAll(async () => {
    await server.start();
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const tree = createSysfsTree(sysfsRoot, { pfs: [{ pciAddress: PF, totalVfs: 2 }] });
    vf0 = tree.vfAddress(PF, 0);
    kernel = startSimKernel(sysfsRoot, { persistent: false });
    qmp = await startQmpSim({ socketPath: path.join(dir, 'vm1.qmp'), sysfsRoot });
    control = spawnControlWorker({
      bfbCacheDir: path.join(dir, 'bfb'),
      logFile: path.join(dir, 'control.log'),
      env: { TEMPORAL_ADDRESS: server.address },
    });
    hostConnection = await NativeConnection.connect({ address: server.address });
    host = await Worker.create({
      connection: hostConnection,
      taskQueue: hostTaskQueue(node),
      activities: createVmActivities({ node, sysfsRoot, stateDir: path.join(dir, 'state') }),
    });
    hostRun = host.run();
    await waitForPollers(client, [
      { taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' },
      { taskQueue: hostTaskQueue(node) },
    ]);
  }, 120_000);

  afterAll(async () => {
    host?.shutdown();
    // Cleanup: a host worker that failed while running is said here; the tests' own expectations report its effects.
    await hostRun?.catch((err: unknown) =>
      console.warn(`cleanup: the host worker had failed: ${(err as Error).message}`),
    );
    await hostConnection?.close();
    await control?.stop(5000);
    await qmp?.stop();
    await kernel?.stop();
    await client?.connection.close();
    await server.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const driverOf = (pci: string) => {
    try {
      return path.basename(fs.readlinkSync(path.join(sysfsRoot, 'bus', 'pci', 'devices', pci, 'driver')));
    } catch {
      return undefined;
    }
  };
  const start = (vm: string) => {
    const input: VmClaimInput = { node, pf: PF, vm, qmpSocket: qmp.socketPath };
    return client.workflow.start('vmClaim', {
      taskQueue: CONTROL_TASK_QUEUE,
      workflowId: vmClaimWorkflowId(node, vm, PF),
      args: [input],
    });
  };
  const waitPhase = async (vm: string, phase: VmClaimStatus['phase']) => {
    const handle = client.workflow.getHandle(vmClaimWorkflowId(node, vm, PF));
    const deadline = Date.now() + 30_000;
    for (;;) {
      // A query can fail while the run's first workflow task is still pending: asked again until the
      // deadline, and the last failure is in the timeout's message.
      let queryError: unknown;
      const s = await handle.query(vmClaimStatusQuery).catch((err: unknown) => {
        queryError = err;
        return undefined;
      });
      if (s?.phase === phase) return s;
      if (Date.now() > deadline)
        throw new Error(
          `VM claim ${vm} not ${phase}: ${JSON.stringify(s)}${queryError ? ` (query failed: ${(queryError as Error).message})` : ''}\n${fs.readFileSync(path.join(dir, 'control.log'), 'utf8').slice(-2000)}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  test('a claim on a PF with no VFs creates one, binds it to vfio-pci and hot-plugs it', async () => {
    expect(
      fs.readFileSync(path.join(sysfsRoot, 'bus', 'pci', 'devices', PF, 'sriov_numvfs'), 'utf8').trim(),
    ).toBe('0');
    await start('vm1');
    const s = await waitPhase('vm1', 'Attached');
    expect(s.pciAddress).toBe(vf0);
    expect(s.originalDriver).toBe('mlx5_core');
    // sysfs: one VF, bound to vfio-pci through driver_override
    expect(kernel.numVfs(PF)).toBe(1);
    expect(driverOf(vf0)).toBe('vfio-pci');
    expect(
      fs.readFileSync(path.join(sysfsRoot, 'bus', 'pci', 'devices', vf0, 'driver_override'), 'utf8').trim(),
    ).toBe('vfio-pci');
    expect(
      kernel.events
        .filter((e) => e.kind === 'unbind' && e.device === vf0)
        .map((e) => (e as { driver: string }).driver),
    ).toEqual(['mlx5_core']);
    // the QMP peer saw the negotiation and the hot-plug
    expect(qmp.commands[0].execute).toBe('qmp_capabilities');
    expect(qmp.commands.find((c) => c.execute === 'device_add')?.arguments).toEqual({
      driver: 'vfio-pci',
      host: vf0,
      id: s.deviceId,
    });
    expect([...qmp.devices.entries()]).toEqual([[s.deviceId, vf0]]);
  });

  test('a second VM finds no free VF and cannot grow the count while one is in use: clear failure, nothing changed', async () => {
    const handle = await start('vm2');
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/no free VF.*through 0/);
    expect(kernel.numVfs(PF)).toBe(1);
    expect(driverOf(vf0)).toBe('vfio-pci');
    expect(qmp.devices.size).toBe(1);
  });

  test('release: device_del (after DEVICE_DELETED), original driver back, VF free again', async () => {
    const handle = client.workflow.getHandle(vmClaimWorkflowId(node, 'vm1', PF));
    await handle.signal(vmReleaseSignal, { reason: 'VM stopped' });
    const result = (await handle.result()) as VmClaimStatus;
    expect(result.phase).toBe('Released');
    captureHistory(server.address, vmClaimWorkflowId(node, 'vm1', PF), 'vm-claim-released.json');
    expect(qmp.commands.some((c) => c.execute === 'device_del' && c.arguments?.id === result.deviceId)).toBe(
      true,
    );
    expect(qmp.devices.size).toBe(0);
    expect(driverOf(vf0)).toBe('mlx5_core');
    // and the freed VF serves the next claim without a new count
    await start('vm3');
    const s = await waitPhase('vm3', 'Attached');
    expect(s.pciAddress).toBe(vf0);
    expect(kernel.numVfs(PF)).toBe(1);
    await client.workflow.getHandle(vmClaimWorkflowId(node, 'vm3', PF)).signal(vmReleaseSignal, {});
    await client.workflow.getHandle(vmClaimWorkflowId(node, 'vm3', PF)).result();
    expect(driverOf(vf0)).toBe('mlx5_core');
  });
});
