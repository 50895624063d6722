/**
 * The operator's retry of a DPU parked in Error (the `retry` update), on a
 * real Temporal dev server with in-process workers and the real simulators.
 *
 * These tests use a real server, not the time-skipping test server of
 * provision-dpu.test.ts: that server's update handling can hang, and did in a
 * CI run (a workflow task carrying the retry update that never completed,
 * logged as TMPRL1104 with 132 s, until the worker shut down). The
 * time-skipping server is known for it: temporalio/sdk-dotnet#179 "Workflow
 * Update hangs on time skipping environment". Short flash and reboot times
 * make real time cheap here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { DpuSpec, DpuStatus } from '../../model/dpu';
import { Phase } from '../../model/phases';
import { retryUpdate, statusQuery } from '../../model/dpu-provision-api';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';
import { startSimFleet, type SimFleet } from '../../sim/fleet';
import { readNumVfs } from '../../activities/sysfs';
import { deviceDir, writeAttr } from '../../sim/sysfs/layout';
import { DevServer } from '../support/dev-server';
import { runProvisionWorkers, type RunningWorkers } from '../support/in-process-workers';
import { provisionDpu } from '../../workflows';

jest.setTimeout(120_000);

const server = new DevServer();
let connection: Connection;
let client: Client;
let native: NativeConnection;
let fleet: SimFleet;
let dir: string;
let workers: RunningWorkers | undefined;
let seq = 0;

beforeAll(async () => {
  await server.start();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  native = await NativeConnection.connect({ address: server.address });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-retry-'));
  fleet = await startSimFleet({
    dir,
    hosts: 1,
    dpusPerHost: 5,
    flashMs: 2_000,
    rebootMs: 1_000,
    bfbSizeBytes: 2 ** 20 + 77,
    timing: {
      expectedFlashSeconds: 2,
      pollInitialSeconds: 1,
      pollMaxSeconds: 2,
      rebootDelaySeconds: 1,
      hostScheduleToStartSeconds: 30,
    },
  });
  workers = await runProvisionWorkers(native, fleet, dir);
});

afterAll(async () => {
  await workers?.stop();
  await fleet?.stop();
  await native?.close();
  await connection?.close();
  await server.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Each test takes its own DPU of the fleet. */
function nextDpu() {
  const d = fleet.dpus[seq++];
  return { d, spec: structuredClone(d.spec) as DpuSpec };
}

function start(spec: DpuSpec) {
  return client.workflow.start(provisionDpu, {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId: `wf-retry-${spec.name}`,
    args: [{ spec }],
  });
}

async function until(
  handle: Awaited<ReturnType<typeof start>>,
  pred: (s: DpuStatus) => boolean,
): Promise<DpuStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await handle.query(statusQuery);
    if (pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('INTEGRITY_FAIL ends in Error with the reason; an operator retry from OS Installing reaches Ready with one flash', async () => {
  const { d, spec } = nextDpu();
  d.dms.injectFault({ kind: 'INTEGRITY_FAIL' });
  const handle = await start(spec);
  const failed = await until(handle, (s) => s.phase === Phase.Error);
  expect(failed.lastError?.phase).toBe(Phase.OsInstalling);
  expect(failed.lastError?.message).toMatch(/INTEGRITY_FAIL/);
  expect(failed.lastError?.nonRetryable).toBe(true);
  expect(failed.waitingFor).toContain('xpuflow dpu retry');
  expect(d.dms.counters.flashes).toBe(0);
  // Nothing on the host was touched before the failure.
  expect(await readNumVfs(d.host.sysfsRoot, spec.pciAddress)).toBe(0);

  const refused = await handle
    .executeUpdate(retryUpdate, { args: [{ fromPhase: Phase.Rebooting }] })
    .catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(
    /comes after OS Installing, the phase that failed/,
  );
  const accepted = await handle.executeUpdate(retryUpdate, { args: [{}] });
  expect(accepted).toEqual({ restartingFrom: Phase.OsInstalling, retry: 1 });
  const status = await handle.result();
  expect(status.phase).toBe(Phase.Ready);
  expect(status.retries).toBe(1);
  expect(d.dms.counters.flashes).toBe(1);
});

test('a checksum mismatch stops in Pending with nothing sent to DMS; a retry with the right BFB reaches Ready', async () => {
  const { d, spec } = nextDpu();
  const good = spec.bfb;
  const handle = await start({ ...spec, bfb: { url: good.url, sha256: 'f'.repeat(64) } });
  const s = await until(handle, (x) => x.phase === Phase.Error);
  expect(s.lastError?.phase).toBe(Phase.Pending);
  expect(s.lastError?.message).toContain('f'.repeat(64));
  expect(s.lastError?.message).toContain(good.sha256);
  expect(d.dms.counters.transfers).toBe(0);
  await handle.executeUpdate(retryUpdate, { args: [{ bfb: good }] });
  expect((await handle.result()).phase).toBe(Phase.Ready);
  expect(d.dms.counters.flashes).toBe(1);
});

test('a retry from a phase before the one that failed runs every phase again from there', async () => {
  const { d, spec } = nextDpu();
  d.dms.injectFault({ kind: 'INTEGRITY_FAIL' });
  const handle = await start(spec);
  const failed = await until(handle, (s) => s.phase === Phase.Error);
  expect(failed.lastError?.phase).toBe(Phase.OsInstalling);
  const accepted = await handle.executeUpdate(retryUpdate, { args: [{ fromPhase: Phase.Initializing }] });
  expect(accepted).toEqual({ restartingFrom: Phase.Initializing, retry: 1 });
  expect((await handle.result()).phase).toBe(Phase.Ready);
  // Initializing ran again (its host probe twice), and the flash still happened once.
  const scheduled = (await handle.fetchHistory()).events!.map(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name,
  );
  expect(scheduled.filter((n) => n === 'probeHost')).toHaveLength(2);
  expect(d.dms.counters.flashes).toBe(1);
});

test('Error in Initializing (numVfs over sriov_totalvfs) is retried once the PF allows more VFs, to Ready', async () => {
  const { d, spec } = nextDpu();
  const handle = await start({ ...spec, numVfs: 20 });
  const failed = await until(handle, (s) => s.phase === Phase.Error);
  expect(failed.lastError?.phase).toBe(Phase.Initializing);
  expect(failed.lastError?.message).toMatch(/numVfs 20 is over sriov_totalvfs 16/);
  // What an operator would do: raise the PF's VF limit (NUM_OF_VFS in the firmware), then retry.
  writeAttr(path.join(deviceDir(d.host.sysfsRoot, spec.pciAddress), 'sriov_totalvfs'), 32);
  const accepted = await handle.executeUpdate(retryUpdate, { args: [{}] });
  expect(accepted).toEqual({ restartingFrom: Phase.Initializing, retry: 1 });
  const status = await handle.result();
  expect(status.phase).toBe(Phase.Ready);
  expect(status.retries).toBe(1);
  expect(await readNumVfs(d.host.sysfsRoot, spec.pciAddress)).toBe(20);
  expect(d.dms.counters.flashes).toBe(1);
});

test('Error in Host Network Configuration is retried from there, to Ready, without a second flash', async () => {
  const { d, spec } = nextDpu();
  // The PF driver refuses the VF change on every attempt the host calls make (5), as with SR-IOV off in firmware.
  d.host.kernel.failWrites(spec.pciAddress, 5, 'ENOMEM');
  const handle = await start(spec);
  const failed = await until(handle, (s) => s.phase === Phase.Error);
  expect(failed.lastError?.phase).toBe(Phase.HostNetworkConfiguration);
  expect(await readNumVfs(d.host.sysfsRoot, spec.pciAddress)).toBe(0);
  expect(d.dms.counters.flashes).toBe(1);
  const accepted = await handle.executeUpdate(retryUpdate, { args: [{}] });
  expect(accepted).toEqual({ restartingFrom: Phase.HostNetworkConfiguration, retry: 1 });
  const status = await handle.result();
  expect(status.phase).toBe(Phase.Ready);
  expect(status.retries).toBe(1);
  expect(await readNumVfs(d.host.sysfsRoot, spec.pciAddress)).toBe(spec.numVfs);
  expect(d.dms.counters.flashes).toBe(1);
  expect(d.dms.counters.transfers).toBe(2); // the BFB and its bf.cfg, once each
});
