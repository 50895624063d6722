/**
 * The DMS activities against the real gRPC DMS simulator on 127.0.0.1, run in
 * a MockActivityEnvironment (heartbeats and cancellation as in a worker).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import {
  createDmsActivities,
  DmsClients,
  DmsFailureType,
  type DmsActivities,
  type TransferProgress,
} from '../../activities/dms';
import { startDmsSimulator, type DmsSimulator } from '../../sim/dms';

const KiB = 1024;
const T0 = 1_700_000_000_000;

let nowMs = T0;
let sim: DmsSimulator;
let clients: DmsClients;
let dms: DmsActivities;
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dms-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(async () => {
  nowMs = T0;
  sim = await startDmsSimulator({
    flashMs: 60_000,
    rebootMs: 30_000,
    clock: async () => nowMs,
    initialVersion: 'bf-old',
  });
  clients = new DmsClients();
  dms = createDmsActivities({ clients, callTimeoutMs: 2000, chunkBytes: 64 * KiB, heartbeatEveryMs: 0 });
});

afterEach(async () => {
  clients.close();
  await sim.stop();
});

function writeImage(name: string, bytes: number): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, Buffer.alloc(bytes, 0x5a));
  return file;
}

/** Runs `fn` in a fresh mock activity context, collecting its heartbeats. */
async function inActivity<R>(
  fn: () => Promise<R>,
  onBeat?: (p: TransferProgress, env: MockActivityEnvironment) => void,
) {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const beats: TransferProgress[] = [];
  env.on('heartbeat', (d: TransferProgress) => {
    beats.push(d);
    onBeat?.(d, env);
  });
  const result = await env.run(fn);
  return { result, beats };
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('dmsInstallFile', () => {
  it('streams the file, heartbeating bytesSent, then is a no-op on retry', async () => {
    const size = 1024 * KiB + 123;
    const filePath = writeImage('bf-new.bfb', size);
    const input = { dpu: 'dpu-0', address: sim.address, version: 'bf-new', filePath };

    const { result, beats } = await inActivity(() => dms.dmsInstallFile(input));
    expect(result).toEqual({ result: 'validated', bytesSent: size });
    expect(beats.length).toBeGreaterThan(2);
    expect(beats.every((b) => b.version === 'bf-new' && b.bytesTotal === size)).toBe(true);
    expect(beats.some((b) => b.bytesSent > 0 && b.bytesSent < size)).toBe(true);
    expect(beats.at(-1)?.bytesSent).toBe(size);
    expect((await sim.state()).stagedImages.find((i) => i.version === 'bf-new')?.bytes).toBe(size);

    const again = await inActivity(() => dms.dmsInstallFile(input));
    expect(again.result).toEqual({ result: 'already-present', bytesSent: 0 });
    expect(sim.counters.transfers).toBe(1);
  });

  it('fails non-retryably on INTEGRITY_FAIL, naming the version, DPU and address', async () => {
    sim.injectFault({ kind: 'INTEGRITY_FAIL' });
    const filePath = writeImage('bf-bad.bfb', 100 * KiB);
    const f = await failureOf(
      inActivity(() =>
        dms.dmsInstallFile({ dpu: 'dpu-0', address: sim.address, version: 'bf-bad', filePath }),
      ),
    );
    expect(f.type).toBe(DmsFailureType.IntegrityFail);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('bf-bad');
    expect(f.message).toContain('dpu-0');
    expect(f.message).toContain(sim.address);
  });

  it('fails non-retryably when the file is missing', async () => {
    const filePath = path.join(tmp, 'nope.bfb');
    const f = await failureOf(
      dms.dmsInstallFile({ dpu: 'dpu-0', address: sim.address, version: 'bf-x', filePath }),
    );
    expect(f.type).toBe(DmsFailureType.FileMissing);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain(filePath);
  });

  it('fails retryably when DMS hangs past callTimeoutMs', async () => {
    sim.injectFault({ kind: 'HANG', rpcs: ['Install'] });
    const quick = createDmsActivities({ clients, callTimeoutMs: 300 });
    const filePath = writeImage('bf-hang.bfb', 10 * KiB);
    const f = await failureOf(
      inActivity(() =>
        quick.dmsInstallFile({ dpu: 'dpu-0', address: sim.address, version: 'bf-hang', filePath }),
      ),
    );
    expect(f.type).toBe(DmsFailureType.Unavailable);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain(sim.address);
  });

  it('cancels the stream when the activity is cancelled, staging nothing', async () => {
    const filePath = writeImage('bf-big.bfb', 4096 * KiB);
    const err = await inActivity(
      () => dms.dmsInstallFile({ dpu: 'dpu-0', address: sim.address, version: 'bf-big', filePath }),
      (beat, env) => {
        if (beat.bytesSent > 0) env.cancel();
      },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CancelledFailure);
    for (let i = 0; i < 50 && (await sim.state()).installing !== undefined; i++)
      await new Promise((r) => setTimeout(r, 20));
    const state = await sim.state();
    expect(state.installing).toBeUndefined();
    expect(state.staged).toEqual(['bf-old']);
  });
});

describe('dmsInstallContent', () => {
  it('stages a bf.cfg and refuses a version not ending in .cfg', async () => {
    const input = {
      dpu: 'dpu-0',
      address: sim.address,
      version: 'dpu-0.bf.cfg',
      content: 'HOSTNAME=dpu-0\n',
    };
    expect((await inActivity(() => dms.dmsInstallContent(input))).result).toEqual({
      result: 'validated',
      bytesSent: 15,
    });
    expect(await dms.dmsInstallContent(input)).toEqual({ result: 'already-present', bytesSent: 0 });
    const f = await failureOf(dms.dmsInstallContent({ ...input, version: 'bf-new' }));
    expect(f.type).toBe(DmsFailureType.BadInput);
    expect(f.message).toContain('"bf-new"');
  });
});

describe('dmsActivate and dmsVerify', () => {
  it('flashes once for a retried activate; verify sees the new version after flashMs', async () => {
    const filePath = writeImage('bf-new.bfb', 10 * KiB);
    await dms.dmsInstallFile({ dpu: 'dpu-0', address: sim.address, version: 'bf-new', filePath });
    const input = { dpu: 'dpu-0', address: sim.address, version: 'bf-new' };
    await dms.dmsActivate(input);
    await dms.dmsActivate(input);
    expect(sim.counters.flashes).toBe(1);
    expect(await dms.dmsVerify(input)).toEqual({ version: 'bf-old' });
    nowMs += 60_000;
    expect(await dms.dmsVerify(input)).toEqual({ version: 'bf-new' });
  });

  it('reports a failed flash', async () => {
    await dms.dmsInstallContent({ dpu: 'dpu-0', address: sim.address, version: 'a.cfg', content: 'x' });
    const filePath = writeImage('bf-new.bfb', KiB);
    await dms.dmsInstallFile({ dpu: 'dpu-0', address: sim.address, version: 'bf-new', filePath });
    sim.injectFault({ kind: 'FLASH_FAIL' });
    await dms.dmsActivate({ dpu: 'dpu-0', address: sim.address, version: 'bf-new' });
    nowMs += 60_000;
    const res = await dms.dmsVerify({ dpu: 'dpu-0', address: sim.address });
    expect(res.version).toBe('bf-old');
    expect(res.activationFailMessage).toContain('bf-new');
  });

  it('fails non-retryably to activate a version DMS does not have', async () => {
    const f = await failureOf(dms.dmsActivate({ dpu: 'dpu-0', address: sim.address, version: 'bf-missing' }));
    expect(f.type).toBe(DmsFailureType.VersionNotStaged);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('bf-missing');
  });

  it('fails retryably twice on UNAVAILABLE, then answers', async () => {
    sim.injectFault({ kind: 'UNAVAILABLE', calls: 2 });
    const input = { dpu: 'dpu-0', address: sim.address };
    for (let i = 0; i < 2; i++) {
      const f = await failureOf(dms.dmsVerify(input));
      expect(f.type).toBe(DmsFailureType.Unavailable);
      expect(f.nonRetryable).toBe(false);
      expect(f.message).toContain(sim.address);
    }
    expect(await dms.dmsVerify(input)).toEqual({ version: 'bf-old' });
  });

  it('fails retryably when Verify hangs past callTimeoutMs', async () => {
    sim.injectFault({ kind: 'HANG', rpcs: ['Verify'] });
    const quick = createDmsActivities({ clients, callTimeoutMs: 300 });
    const started = Date.now();
    const f = await failureOf(quick.dmsVerify({ dpu: 'dpu-0', address: sim.address }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(f.type).toBe(DmsFailureType.Unavailable);
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain('300 ms');
  });

  it('rejects a malformed address before calling anything', async () => {
    const f = await failureOf(dms.dmsVerify({ dpu: 'dpu-0', address: 'no-port' }));
    expect(f.type).toBe(DmsFailureType.BadInput);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('"no-port"');
  });
});

describe('dmsReboot and dmsRebootStatus', () => {
  it('schedules one reboot even when retried, and reports it over the clock', async () => {
    const input = { dpu: 'dpu-0', address: sim.address };
    expect(await dms.dmsRebootStatus(input)).toEqual({ active: false, count: 0, whenNs: '0' });
    await dms.dmsReboot({ ...input, delaySeconds: 2, message: 'flashed bf-new' });
    await dms.dmsReboot({ ...input, delaySeconds: 2, message: 'flashed bf-new' });
    nowMs += 2000;
    expect(await dms.dmsRebootStatus(input)).toEqual({
      active: true,
      count: 1,
      whenNs: String(BigInt(T0 + 2000) * 1_000_000n),
      waitNs: String(30_000 * 1_000_000),
      reason: 'flashed bf-new',
    });
    nowMs += 30_000;
    expect(await dms.dmsRebootStatus(input)).toMatchObject({ active: false, count: 1 });
    expect(sim.counters.reboots).toBe(1);
  });

  it('rejects a negative delay', async () => {
    const f = await failureOf(
      dms.dmsReboot({ dpu: 'dpu-0', address: sim.address, delaySeconds: -1, message: '' }),
    );
    expect(f.type).toBe(DmsFailureType.BadInput);
    expect(f.message).toContain('-1');
  });
});
