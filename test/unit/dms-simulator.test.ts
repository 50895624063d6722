/**
 * The DMS simulator over real gRPC on 127.0.0.1, driven by a raw gNOI client
 * (no xpuflow activity code): the contract documented in sim/dms/simulator.ts.
 */
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  osClientConstructor,
  systemClientConstructor,
  type InstallResponse__Output,
  type OSClient,
  type SystemClient,
} from '../../proto/load';
import { startDmsFleet, startDmsSimulator, type DmsSimulator } from '../../sim/dms';

const MiB = 1024 * 1024;
const T0 = 1_700_000_000_000;

let nowMs = T0;
const clock = async (): Promise<number> => nowMs;

let sim: DmsSimulator;
let os: OSClient;
let system: SystemClient;

beforeEach(async () => {
  nowMs = T0;
  sim = await startDmsSimulator({ flashMs: 60_000, rebootMs: 30_000, clock, initialVersion: 'bf-old' });
  const OS = osClientConstructor();
  const System = systemClientConstructor();
  os = new OS(sim.address, grpc.credentials.createInsecure());
  system = new System(sim.address, grpc.credentials.createInsecure());
});

afterEach(async () => {
  os.close();
  system.close();
  await sim.stop();
});

function deadline(ms = 2000): grpc.CallOptions {
  return { deadline: Date.now() + ms };
}

function unary<Res>(invoke: (cb: grpc.requestCallback<Res>) => void): Promise<Res> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res as Res))));
}

const verify = () =>
  unary<{ version: string; activationFailMessage: string }>((cb) => os.verify({}, deadline(), cb));
const activate = (version: string, noReboot = false) =>
  unary<{ response?: string; activateError?: { type: string; detail: string } | null }>((cb) =>
    os.activate({ version, noReboot }, deadline(), cb),
  );
const reboot = (delayMs: number, message = 'test') =>
  unary<object>((cb) =>
    system.reboot({ method: 'COLD', delay: String(delayMs * 1_000_000), message }, deadline(), cb),
  );
interface RawRebootStatus {
  active: boolean;
  wait: string;
  when: string;
  count: number;
  reason: string;
  method: string;
  status: { status: string; message: string } | null;
}
const rebootStatus = (subcomponent?: string) =>
  unary<RawRebootStatus>((cb) =>
    system.rebootStatus(
      { subcomponents: subcomponent ? [{ elem: [{ name: subcomponent }] }] : [] },
      deadline(),
      cb,
    ),
  );
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

/** Raw Install: request, then (if asked) content in `chunk`-byte pieces and TransferEnd; returns every answer. */
async function rawInstall(
  version: string,
  content: Buffer,
  opts: { chunk?: number; sendEnd?: boolean } = {},
): Promise<InstallResponse__Output[]> {
  const call = os.install(deadline(5000));
  const answers: InstallResponse__Output[] = [];
  const done = new Promise<void>((resolve, reject) => {
    call.on('data', (r: InstallResponse__Output) => {
      answers.push(r);
      if (r.response === 'transferReady') {
        const chunk = opts.chunk ?? 256 * 1024;
        for (let i = 0; i < content.length; i += chunk)
          call.write({ transferContent: content.subarray(i, i + chunk) });
        if (opts.sendEnd !== false) call.write({ transferEnd: {} });
        else call.cancel();
      }
    });
    call.on('end', () => resolve());
    call.on('error', (err: grpc.ServiceError) =>
      err.code === grpc.status.CANCELLED ? resolve() : reject(err),
    );
  });
  call.write({ transferRequest: { version } });
  await done;
  call.end();
  return answers;
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('DMS simulator: Install', () => {
  it('stages a streamed image: TransferReady, progress every MiB, Validated', async () => {
    const image = Buffer.alloc(3 * MiB + 5, 7);
    const answers = await rawInstall('bf-new', image);
    expect(answers.map((a) => a.response)).toEqual([
      'transferReady',
      'transferProgress',
      'transferProgress',
      'transferProgress',
      'validated',
    ]);
    expect(answers[1]?.transferProgress?.bytesReceived).toBe(String(MiB));
    expect(answers[4]?.validated?.version).toBe('bf-new');
    const state = await sim.state();
    expect(state.staged).toEqual(['bf-old', 'bf-new']);
    expect(state.stagedImages[1]).toEqual({
      version: 'bf-new',
      kind: 'bfb',
      bytes: image.length,
      sha256: createHash('sha256').update(image).digest('hex'),
    });
    expect(sim.counters.transfers).toBe(1);
  });

  it('answers Validated at once for a staged version, and the running one; transfers does not grow', async () => {
    await rawInstall('bf-new', Buffer.from('image'));
    expect(sim.counters.transfers).toBe(1);
    const again = await rawInstall('bf-new', Buffer.from('image'));
    expect(again.map((a) => a.response)).toEqual(['validated']);
    const running = await rawInstall('bf-old', Buffer.from('image'));
    expect(running.map((a) => a.response)).toEqual(['validated']);
    expect(sim.counters.transfers).toBe(1);
  });

  it('stages nothing when the stream is cancelled before TransferEnd, and takes the next install', async () => {
    await rawInstall('bf-new', Buffer.alloc(MiB), { sendEnd: false });
    await waitFor(async () => (await sim.state()).installing === undefined, 'the cancelled install to end');
    expect((await sim.state()).staged).toEqual(['bf-old']);
    expect(sim.counters).toMatchObject({ transfers: 0, transfersCut: 1 });
    const answers = await rawInstall('bf-new', Buffer.alloc(MiB));
    expect(answers.at(-1)?.response).toBe('validated');
  });

  it('refuses a second concurrent install with INSTALL_IN_PROGRESS', async () => {
    const first = os.install(deadline(5000));
    const ready = new Promise<void>((resolve) => first.on('data', () => resolve()));
    first.on('error', () => undefined);
    first.write({ transferRequest: { version: 'bf-a' } });
    await ready;
    const second = await rawInstall('bf-b', Buffer.from('x'));
    expect(second).toHaveLength(1);
    expect(second[0]?.installError?.type).toBe('INSTALL_IN_PROGRESS');
    expect(second[0]?.installError?.detail).toContain('bf-a');
    first.cancel();
  });

  it('fails validation once with INTEGRITY_FAIL when armed, naming the version', async () => {
    sim.injectFault({ kind: 'INTEGRITY_FAIL' });
    const bad = await rawInstall('bf-new', Buffer.from('image'));
    expect(bad.at(-1)?.installError).toEqual({
      type: 'INTEGRITY_FAIL',
      detail: expect.stringContaining('bf-new'),
    });
    expect((await sim.state()).staged).toEqual(['bf-old']);
    const good = await rawInstall('bf-new', Buffer.from('image'));
    expect(good.at(-1)?.response).toBe('validated');
  });
});

describe('DMS simulator: Activate and Verify', () => {
  it('refuses a version that is not staged with NON_EXISTENT_VERSION, naming it', async () => {
    const res = await activate('bf-missing');
    expect(res.response).toBe('activateError');
    expect(res.activateError?.type).toBe('NON_EXISTENT_VERSION');
    expect(res.activateError?.detail).toContain('bf-missing');
    await rawInstall('bf-new', Buffer.from('image'));
    const cfgMissing = await activate('bf-new;dpu-0.cfg');
    expect(cfgMissing.activateError?.type).toBe('NON_EXISTENT_VERSION');
    expect(cfgMissing.activateError?.detail).toContain('"dpu-0.cfg"');
    expect(sim.counters.flashes).toBe(0);
  });

  it('refuses a malformed pairing with UNSPECIFIED: a cfg first, a second part without .cfg, three parts', async () => {
    await rawInstall('bf-new', Buffer.from('image'));
    await rawInstall('dpu-0.cfg', Buffer.from('HOSTNAME=dpu-0\n'));
    for (const [version, words] of [
      ['dpu-0.cfg', /is a bf\.cfg/],
      ['bf-new;bf-new', /must be a bf\.cfg version ending in \.cfg/],
      ['bf-new;dpu-0.cfg;x', /neither <bfb> nor <bfb>;<cfg>/],
      ['bf-new;', /neither <bfb> nor <bfb>;<cfg>/],
    ] as const) {
      const res = await activate(version);
      expect(res.activateError?.type).toBe('UNSPECIFIED');
      expect(res.activateError?.detail).toMatch(words);
    }
    expect(sim.counters.flashes).toBe(0);
  });

  it('<bfb>;<cfg> with no_reboot false flashes with that named cfg (not the latest staged) and reboots by itself', async () => {
    await rawInstall('dpu-0.cfg', Buffer.from('HOSTNAME=dpu-0\n'));
    await rawInstall('bf-new', Buffer.from('image'));
    await rawInstall('dpu-0-other.cfg', Buffer.from('HOSTNAME=other\n'));
    expect(await rebootStatus('CPU')).toMatchObject({ active: false, count: 0, when: '0' });

    expect((await activate('bf-new;dpu-0.cfg')).response).toBe('activateOk');
    expect(sim.counters).toMatchObject({ flashes: 1, reboots: 1 });
    expect((await sim.state()).flashing).toEqual({
      version: 'bf-new',
      cfg: 'dpu-0.cfg',
      startedAtMs: T0,
      rebootsItself: true,
    });
    const during = await rebootStatus('CPU');
    expect(during).toMatchObject({
      active: true,
      count: 1,
      when: ns(T0),
      wait: ns(60_000 + 30_000),
      reason: 'activate bf-new;dpu-0.cfg',
      method: 'COLD',
      status: { status: 'STATUS_UNKNOWN' },
    });

    nowMs = T0 + 59_999;
    expect((await verify()).version).toBe('bf-old');
    nowMs = T0 + 60_000;
    expect(await verify()).toEqual({ version: 'bf-new', activationFailMessage: '' });
    expect((await sim.state()).runningCfg).toBe('dpu-0.cfg');
    // Flashed, still booting: the reboot DMS started is active until rebootMs after the flash.
    expect((await rebootStatus('CPU')).active).toBe(true);
    nowMs = T0 + 90_000;
    expect(await rebootStatus('CPU')).toMatchObject({
      active: false,
      count: 1,
      when: ns(T0),
      status: { status: 'STATUS_SUCCESS' },
    });
    expect(await rebootStatus()).toMatchObject({ active: false, count: 1 });
  });

  it('refuses a second Activate with ABORTED while the first flash and reboot run: nothing repeat-safe is promised', async () => {
    await rawInstall('dpu-0.cfg', Buffer.from('c'));
    await rawInstall('bf-new', Buffer.from('image'));
    await activate('bf-new;dpu-0.cfg');
    nowMs += 1000;
    await expect(activate('bf-new;dpu-0.cfg')).rejects.toMatchObject({ code: grpc.status.ABORTED });
    nowMs = T0 + 70_000; // flashed, still rebooting
    await expect(activate('bf-new;dpu-0.cfg')).rejects.toMatchObject({ code: grpc.status.ABORTED });
    expect(sim.counters.flashes).toBe(1);
  });

  it('with no_reboot true flashes without rebooting; the DPU runs the new version after the next reboot (gNOI)', async () => {
    await rawInstall('dpu-0.cfg', Buffer.from('c'));
    await rawInstall('bf-new', Buffer.from('image'));
    await activate('bf-new;dpu-0.cfg', true);
    expect(await rebootStatus('CPU')).toMatchObject({ active: false, count: 0 });
    nowMs = T0 + 60_000;
    expect((await verify()).version).toBe('bf-old');
    expect((await sim.state()).nextBoot).toEqual({ version: 'bf-new', cfg: 'dpu-0.cfg' });
    await reboot(0, 'take bf-new');
    expect((await verify()).version).toBe('bf-new');
    expect(sim.counters).toMatchObject({ flashes: 1, reboots: 1 });
  });

  it('FLASH_FAIL: the old version stays, Verify says why, and the CPU reboot ends in STATUS_FAILURE with it', async () => {
    await rawInstall('dpu-0.cfg', Buffer.from('c'));
    await rawInstall('bf-new', Buffer.from('image'));
    sim.injectFault({ kind: 'FLASH_FAIL' });
    await activate('bf-new;dpu-0.cfg');
    nowMs += 90_000;
    const res = await verify();
    expect(res.version).toBe('bf-old');
    expect(res.activationFailMessage).toContain('bf-new');
    const s = await rebootStatus('CPU');
    expect(s).toMatchObject({ active: false, status: { status: 'STATUS_FAILURE' } });
    expect(s.status?.message).toContain('FLASH_FAIL');

    await activate('bf-new;dpu-0.cfg');
    expect(sim.counters.flashes).toBe(2);
    expect((await verify()).activationFailMessage).toBe('');
    nowMs += 90_000;
    expect(await verify()).toEqual({ version: 'bf-new', activationFailMessage: '' });
    expect((await rebootStatus('CPU')).status?.status).toBe('STATUS_SUCCESS');
  });

  it('RebootStatus refuses a subcomponent other than CPU with INVALID_ARGUMENT, naming it', async () => {
    await expect(rebootStatus('FAN')).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('/FAN'),
    });
  });
});

describe('DMS simulator: Reboot', () => {
  it('reports a delayed reboot by count, active and wait over the clock', async () => {
    expect(await rebootStatus()).toMatchObject({ active: false, count: 0, when: '0' });
    await reboot(2000, 'flashed bf-new');
    expect(await rebootStatus()).toMatchObject({ active: false, count: 0 });
    await expect(reboot(0)).rejects.toMatchObject({ code: grpc.status.ALREADY_EXISTS });

    nowMs = T0 + 2000;
    const during = await rebootStatus();
    expect(during).toMatchObject({ active: true, count: 1, reason: 'flashed bf-new' });
    expect(during.when).toBe(String(BigInt(T0 + 2000) * 1_000_000n));
    expect(during.wait).toBe(String(30_000 * 1_000_000));
    nowMs = T0 + 2000 + 29_999;
    expect((await rebootStatus()).active).toBe(true);
    nowMs = T0 + 2000 + 30_000;
    expect(await rebootStatus()).toMatchObject({ active: false, count: 1 });
    expect(sim.counters.reboots).toBe(1);

    await reboot(0);
    expect(await rebootStatus()).toMatchObject({ active: true, count: 2 });
  });
});

describe('DMS simulator: faults', () => {
  it('fails the next 2 calls with UNAVAILABLE, then answers', async () => {
    sim.injectFault({ kind: 'UNAVAILABLE', calls: 2 });
    await expect(verify()).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(rebootStatus()).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect((await verify()).version).toBe('bf-old');
  });

  it('fails every call with UNAVAILABLE until a clock time', async () => {
    sim.injectFault({ kind: 'UNAVAILABLE', untilMs: T0 + 5000 });
    await expect(verify()).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(rawInstall('bf-new', Buffer.from('x'))).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    nowMs = T0 + 5000;
    expect((await verify()).version).toBe('bf-old');
  });

  it('hangs matching RPCs until cleared; others answer', async () => {
    sim.injectFault({ kind: 'HANG', rpcs: ['Verify'] });
    await expect(unary((cb) => os.verify({}, deadline(200), cb))).rejects.toMatchObject({
      code: grpc.status.DEADLINE_EXCEEDED,
    });
    expect((await rebootStatus()).count).toBe(0);
    const hung = verify();
    await new Promise((r) => setTimeout(r, 100));
    sim.clearFaults();
    expect((await hung).version).toBe('bf-old');
  });

  it('stops promptly with a hung call open', async () => {
    sim.injectFault({ kind: 'HANG' });
    const hung = unary((cb) => os.verify({}, deadline(10_000), cb));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await sim.stop();
    await expect(hung).rejects.toMatchObject({ code: expect.any(Number) });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('LOSE_ANSWER: the next Activate takes effect, then its caller gets UNAVAILABLE; the one after answers', async () => {
    await rawInstall('dpu-0.cfg', Buffer.from('c'));
    await rawInstall('bf-new', Buffer.from('image'));
    sim.injectFault({ kind: 'LOSE_ANSWER', rpc: 'Activate' });
    await expect(activate('bf-new;dpu-0.cfg')).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringContaining('LOSE_ANSWER'),
    });
    expect(sim.counters.flashes).toBe(1);
    expect((await rebootStatus('CPU')).active).toBe(true);
    nowMs += 90_000;
    expect((await activate('bf-new;dpu-0.cfg')).response).toBe('activateOk');
  });

  it('rejects faults it cannot apply', () => {
    expect(() => sim.injectFault({ kind: 'LOSE_ANSWER', rpc: 'Install' as 'Verify' })).toThrow(/Install/);
    expect(() => sim.injectFault({ kind: 'UNAVAILABLE', calls: 0 })).toThrow(/calls 0/);
    expect(() => sim.injectFault({ kind: 'HANG', rpcs: ['Nope' as 'Verify'] })).toThrow(/Nope/);
  });
});

/** An Install left open: request, then on TransferReady all of `content` and TransferEnd; answers as they come. */
function openInstall(version: string, content: Buffer) {
  const call = os.install(deadline(10_000));
  const answers: Array<string | undefined> = [];
  call.on('data', (r: InstallResponse__Output) => {
    answers.push(r.response);
    if (r.response === 'transferReady') {
      for (let i = 0; i < content.length; i += 64 * 1024)
        call.write({ transferContent: content.subarray(i, i + 64 * 1024) });
      call.write({ transferEnd: {} });
    }
  });
  const ended = new Promise<void>((resolve) => {
    call.on('end', () => resolve());
    call.on('error', () => resolve()); // CANCELLED, from the test's own cancel()
  });
  call.write({ transferRequest: { version } });
  return { call, answers, ended };
}

describe('DMS simulator: kill points', () => {
  it('transfer-bfb: stops a BFB stream after its first chunk; a caller gone then stages nothing, the next install sends it whole', async () => {
    const held = sim.holdAt('transfer-bfb');
    const install = openInstall('bf-new', Buffer.alloc(2 * MiB, 1));
    await held.reached;
    expect((await sim.state()).installing).toBe('bf-new');
    install.call.cancel();
    await held.callerGone;
    held.release();
    await install.ended;
    await waitFor(async () => (await sim.state()).installing === undefined, 'the cut install to end');
    expect((await sim.state()).staged).toEqual(['bf-old']);
    expect(sim.counters).toMatchObject({ transfers: 0, transfersCut: 1 });
    expect((await rawInstall('bf-new', Buffer.alloc(2 * MiB, 1))).at(-1)?.response).toBe('validated');
    expect(sim.counters).toMatchObject({ transfers: 1, transfersCut: 1 });
  });

  it('after-transfer-bfb: stages the BFB and holds its Validated; the retry is answered Validated at once', async () => {
    const held = sim.holdAt('after-transfer-bfb');
    const install = openInstall('bf-new', Buffer.from('image'));
    await held.reached;
    expect((await sim.state()).staged).toEqual(['bf-old', 'bf-new']);
    expect(install.answers).toEqual(['transferReady']); // the caller does not know yet
    install.call.cancel();
    await held.callerGone;
    held.release();
    await install.ended;
    expect(install.answers).toEqual(['transferReady']);
    expect((await rawInstall('bf-new', Buffer.from('image'))).map((a) => a.response)).toEqual(['validated']);
    expect(sim.counters).toMatchObject({ transfers: 1, transfersCut: 0 });
  });

  it('after-transfer-cfg holds a bf.cfg, not a BFB; released, the held caller gets its Validated', async () => {
    const held = sim.holdAt('after-transfer-cfg');
    expect((await rawInstall('bf-new', Buffer.from('image'))).at(-1)?.response).toBe('validated');
    const install = openInstall('dpu-0.cfg', Buffer.from('cfg'));
    await held.reached;
    expect(install.answers).toEqual(['transferReady']);
    held.release();
    await install.ended;
    expect(install.answers).toEqual(['transferReady', 'validated']);
    expect(sim.counters.transfers).toBe(2);
  });

  it('after-activate: the flash and reboot start, the answer waits for release', async () => {
    await rawInstall('dpu-0.cfg', Buffer.from('c'));
    await rawInstall('bf-new', Buffer.from('image'));
    const held = sim.holdAt('after-activate');
    let answered = false;
    const answer = activate('bf-new;dpu-0.cfg').then((r) => ((answered = true), r));
    await held.reached;
    expect(sim.counters).toMatchObject({ flashes: 1, reboots: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    held.release();
    expect((await answer).response).toBe('activateOk');
  });

  it('refuses a step it does not know and a step armed twice', () => {
    expect(() => sim.holdAt('before-lunch' as 'after-activate')).toThrow(/before-lunch.*transfer-bfb/);
    sim.holdAt('after-activate');
    expect(() => sim.holdAt('after-activate')).toThrow(/already armed/);
  });
});

describe('DMS fleet', () => {
  it('starts many simulators on distinct ports', async () => {
    const fleet = await startDmsFleet(3, { flashMs: 10, rebootMs: 10 });
    try {
      expect(new Set(fleet.addresses).size).toBe(3);
      for (const a of fleet.addresses) expect(a).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await fleet.stop();
    }
  });
});
