/**
 * The DMS activities against the real gRPC DMS simulator on 127.0.0.1, run in
 * a MockActivityEnvironment (heartbeats and cancellation as in a worker).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
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
import { osServiceDefinition, systemServiceDefinition } from '../../proto/load';

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
  const at = () => ({ dpu: 'dpu-0', address: sim.address });

  async function stage(): Promise<void> {
    const filePath = writeImage('bf-new.bfb', 10 * KiB);
    await dms.dmsInstallFile({ ...at(), version: 'bf-new', filePath });
    await dms.dmsInstallContent({ ...at(), version: 'dpu-0.cfg', content: 'HOSTNAME=dpu-0\n' });
  }

  it('sends one Activate of <bfb>;<cfg> with no_reboot false: DMS flashes with that cfg and reboots the DPU', async () => {
    await stage();
    const before = await dms.dmsRebootStatus({ ...at(), subcomponent: 'CPU' });
    const once = { bfb: 'bf-new', before };
    const { result, beats } = await inActivity(() =>
      dms.dmsActivate({ ...at(), version: 'bf-new;dpu-0.cfg', noReboot: false, once }),
    );
    expect(result).toEqual({ sent: true });
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect((await sim.state()).flashing).toMatchObject({
      version: 'bf-new',
      cfg: 'dpu-0.cfg',
      rebootsItself: true,
    });
    const during = await dms.dmsRebootStatus({ ...at(), subcomponent: 'CPU' });
    expect(during).toMatchObject({ active: true, count: 1, reason: 'activate bf-new;dpu-0.cfg' });
    nowMs += 90_000;
    expect(await dms.dmsRebootStatus({ ...at(), subcomponent: 'CPU' })).toMatchObject({
      active: false,
      count: 1,
      status: 'STATUS_SUCCESS',
    });
    expect(await dms.dmsVerify(at())).toEqual({ version: 'bf-new' });
    expect(sim.counters).toMatchObject({ flashes: 1, reboots: 1 });
  });

  it('a retried attempt finds the activation an earlier one got through, while it runs and after, and sends none', async () => {
    await stage();
    const before = await dms.dmsRebootStatus({ ...at(), subcomponent: 'CPU' });
    const input = { ...at(), version: 'bf-new;dpu-0.cfg', once: { bfb: 'bf-new', before } };
    expect(await dms.dmsActivate(input)).toEqual({ sent: true });
    nowMs += 1000; // flashing: the CPU reboot DMS started is active
    const during = await dms.dmsActivate(input);
    expect(during.sent).toBe(false);
    expect(during.found?.kind).toBe('activation-seen');
    expect(during.found?.detail).toContain('is active');
    nowMs += 90_000; // flashed and rebooted
    expect(await dms.dmsActivate(input)).toEqual({
      sent: false,
      found: { kind: 'already-running', detail: 'DPU already runs bf-new' },
    });
    expect(sim.counters.flashes).toBe(1);
  });

  it('a reflash for a new bf.cfg activates a BFB the DPU runs, once: only a reboot since the first attempt counts', async () => {
    await stage();
    const first = {
      ...at(),
      version: 'bf-new;dpu-0.cfg',
      once: { bfb: 'bf-new', before: await dms.dmsRebootStatus({ ...at(), subcomponent: 'CPU' }) },
    };
    expect(await dms.dmsActivate(first)).toEqual({ sent: true });
    nowMs += 90_000;
    expect(await dms.dmsVerify(at())).toEqual({ version: 'bf-new' });
    await dms.dmsInstallContent({ ...at(), version: 'dpu-0-v2.cfg', content: 'HOSTNAME=dpu-0\nX=2\n' });
    const before = await dms.dmsRebootStatus({ ...at(), subcomponent: 'CPU' });
    const input = { ...at(), version: 'bf-new;dpu-0-v2.cfg', once: { bfb: 'bf-new', before, reflash: true } };
    // Without reflash the running BFB would read as done.
    expect((await dms.dmsActivate({ ...input, once: { bfb: 'bf-new', before } })).found?.kind).toBe(
      'already-running',
    );
    expect(await dms.dmsActivate(input)).toEqual({ sent: true });
    nowMs += 90_000;
    const again = await dms.dmsActivate(input);
    expect(again.sent).toBe(false);
    expect(again.found?.kind).toBe('activation-seen');
    expect(sim.counters.flashes).toBe(2);
    const state = await sim.state();
    expect(state.runningCfg).toBe('dpu-0-v2.cfg');
    // The simulator keeps each bf.cfg's text (tests read what reached the DPU); a BFB's bytes it does not.
    expect(state.stagedImages.find((i) => i.version === 'dpu-0-v2.cfg')?.content).toBe(
      'HOSTNAME=dpu-0\nX=2\n',
    );
    expect(state.stagedImages.find((i) => i.version === 'bf-new')?.content).toBeUndefined();
  });

  it('a failed activation is found too (a newer CPU reboot, ended in STATUS_FAILURE), not flashed again', async () => {
    await stage();
    const before = await dms.dmsRebootStatus({ ...at(), subcomponent: 'CPU' });
    sim.injectFault({ kind: 'FLASH_FAIL' });
    const input = { ...at(), version: 'bf-new;dpu-0.cfg', once: { bfb: 'bf-new', before } };
    await dms.dmsActivate(input);
    nowMs += 90_000;
    const again = await dms.dmsActivate(input);
    expect(again.sent).toBe(false);
    expect(again.found?.kind).toBe('activation-seen');
    expect(again.found?.detail).toContain('has happened');
    const s = await dms.dmsRebootStatus({ ...at(), subcomponent: 'CPU' });
    expect(s).toMatchObject({ active: false, status: 'STATUS_FAILURE' });
    expect(s.statusMessage).toContain('bf-new');
    expect((await dms.dmsVerify(at())).activationFailMessage).toContain('bf-new');
    expect(sim.counters.flashes).toBe(1);
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
    expect(await dms.dmsRebootStatus(input)).toEqual({
      active: false,
      count: 0,
      whenNs: '0',
      status: 'STATUS_UNKNOWN',
    });
    await dms.dmsReboot({ ...input, delaySeconds: 2, message: 'flashed bf-new' });
    await dms.dmsReboot({ ...input, delaySeconds: 2, message: 'flashed bf-new' });
    nowMs += 2000;
    expect(await dms.dmsRebootStatus({ ...input, subcomponent: 'CPU' })).toEqual({
      active: true,
      count: 1,
      whenNs: String(BigInt(T0 + 2000) * 1_000_000n),
      waitNs: String(30_000 * 1_000_000),
      reason: 'flashed bf-new',
      status: 'STATUS_UNKNOWN',
    });
    nowMs += 30_000;
    expect(await dms.dmsRebootStatus(input)).toMatchObject({
      active: false,
      count: 1,
      status: 'STATUS_SUCCESS',
    });
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

describe('answers xpuflow cannot decode', () => {
  /** A gNOI server that answers RebootStatus and Activate with the given (ill-formed) messages. */
  async function rogue(answers: { rebootStatus?: object; activate?: object }) {
    const server = new grpc.Server();
    const unimplemented = (_call: unknown, cb: grpc.sendUnaryData<object>) =>
      cb({ code: grpc.status.UNIMPLEMENTED, details: 'not here' });
    server.addService(systemServiceDefinition(), {
      Reboot: unimplemented,
      RebootStatus: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, answers.rebootStatus ?? {}),
    });
    server.addService(osServiceDefinition(), {
      Install: (call: grpc.ServerDuplexStream<object, object>) => call.end(),
      Activate: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, answers.activate ?? {}),
      Verify: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { version: 'bf-old' }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
  }

  it('an unknown RebootStatus.status value is a non-retryable DmsProtocolError naming RPC, field and value', async () => {
    const r = await rogue({ rebootStatus: { active: false, when: '5', status: { status: 9 } } });
    try {
      const f = await failureOf(
        dms.dmsRebootStatus({ dpu: 'dpu-0', address: r.address, subcomponent: 'CPU' }),
      );
      expect(f.type).toBe(DmsFailureType.ProtocolError);
      expect(f.nonRetryable).toBe(true);
      expect(f.message).toContain('RebootStatus');
      expect(f.message).toContain('status.status = 9');
      expect(f.message).toContain(r.address);
    } finally {
      r.stop();
    }
  });

  it('an unknown RebootStatus.method and an unknown ActivateError type are named the same way', async () => {
    const r = await rogue({
      rebootStatus: { active: false, when: '5', method: 42 },
      activate: { activateError: { type: 7, detail: 'odd' } },
    });
    try {
      const m = await failureOf(dms.dmsRebootStatus({ dpu: 'dpu-0', address: r.address }));
      expect(m.type).toBe(DmsFailureType.ProtocolError);
      expect(m.message).toContain('method = 42');
      const a = await failureOf(
        dms.dmsActivate({ dpu: 'dpu-0', address: r.address, version: 'bf-new;d.cfg' }),
      );
      expect(a.type).toBe(DmsFailureType.ProtocolError);
      expect(a.message).toContain('activate_error.type = 7');
      const none = await rogue({ activate: {} });
      try {
        const n = await failureOf(
          dms.dmsActivate({ dpu: 'dpu-0', address: none.address, version: 'bf-new' }),
        );
        expect(n.type).toBe(DmsFailureType.ProtocolError);
        expect(n.message).toContain('Activate answer');
      } finally {
        none.stop();
      }
    } finally {
      r.stop();
    }
  });
});
