/**
 * xpuflow on a Temporal cluster shaped like production
 * (test/support/temporal-cluster.ts): PostgreSQL persistence and SQL
 * visibility, frontend, history, matching and worker as separate processes,
 * mTLS on the frontend, namespace and search attributes created by an
 * administrator through the operator API. The control and host workers are
 * real processes connecting with a client certificate, the payload codec on
 * (XPUFLOW_CODEC_KEYS) for them, the CLI and the test's client.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { ENCRYPTED_ENCODING } from '../../platform/codec/aes-gcm-codec';
import { codecDataConverter } from '../../platform/codec/data-converter';
import { startProvision } from '../../cli/dpu/start-provision';
import type { WorkerProcess } from '../../cli/demo/worker-processes';
import type { DpuStatus } from '../../model/dpu';
import { statusQuery } from '../../model/dpu-provision-api';
import { Phase } from '../../model/phases';
import { provisionDpuWorkflowId, vfLeaseWorkflowId } from '../../model/workflow-ids';
import { connectClient, connectWorker, temporalSettings } from '../../platform/connection/temporal';
import { startSimFleet, type SimFleet } from '../../sim/fleet';
import { TestPki } from '../support/certs';
import { logTails } from '../support/log-tails';
import { startControlWorker, startFleetHostWorkers } from '../support/polling-workers';
import { requirePrerequisites } from '../support/prerequisites';
import { FRONTEND_SERVER_NAME, TemporalCluster } from '../support/temporal-cluster';
import { distFile } from '../support/tools';
import { waitFor } from '../support/wait-for';
import { VF_PREREQUISITES, VfHarness } from './vf-harness';
import { leaseStatusQuery } from '../../model/vf-lease-api';
import { leaseMac } from '../../model/vf';
import type { DpuResource, DpuSetResource } from '../../model/resources/common';
import { dpuObjectName } from '../../model/resources/pci-labels';
import { KubeHarness, NS as KUBE_NS } from '../kube/kube-harness';
import { holdLock, LOCKS } from '../support/exclusive-lock';

/** Every payload of a history (inputs, results, signals, markers), its bytes as text. */
function payloadTexts(x: unknown): string[] {
  if (!x || typeof x !== 'object') return [];
  if (Array.isArray(x)) return x.flatMap(payloadTexts);
  const o = x as { metadata?: unknown; data?: unknown };
  if (o.metadata && o.data instanceof Uint8Array) return [Buffer.from(o.data).toString()];
  return Object.values(x).flatMap(payloadTexts);
}

const { describe } = requirePrerequisites('Temporal cluster tests', ['temporal-cluster']);
const { describe: describeVf } = requirePrerequisites(
  'the VF attach on the Temporal cluster',
  VF_PREREQUISITES,
);
jest.setTimeout(120_000);
const run = promisify(execFile);

// The kube harness's pace (test/kube/kube-harness.ts TIMING): a flash seen done at the second poll.
const FAST = {
  flashMs: 2_000,
  rebootMs: 500,
  bfbSizeBytes: 2 ** 20,
  timing: {
    expectedFlashSeconds: 2,
    pollInitialSeconds: 1,
    pollMaxSeconds: 1,
    rebootDelaySeconds: 1,
    hostScheduleToStartSeconds: 30,
  },
};

describe('xpuflow on a PostgreSQL-backed Temporal cluster with mTLS', () => {
  const cluster = new TemporalCluster({ namespace: 'xpuflow-e2e' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-cluster-e2e-'));
  const workers: WorkerProcess[] = [];
  const fleets: SimFleet[] = [];
  let client: Client;
  let controlWorker: WorkerProcess;
  // The codec's keyring: a directory of keys, as a mounted Secret (platform/codec/keyring.ts).
  const keysDir = path.join(dir, 'codec-keys');
  fs.mkdirSync(keysDir);
  fs.writeFileSync(path.join(keysDir, '2026-12'), crypto.randomBytes(32).toString('base64'));
  /** What every xpuflow process gets: mTLS with the client certificate, and the codec. */
  const env = (over: Record<string, string | undefined> = {}) =>
    cluster.clientEnv({ XPUFLOW_CODEC_KEYS: keysDir, ...over });

  const explain = () => `${logTails(dir)}\n${cluster.logs()}`;
  const status = (dpu: string): Promise<DpuStatus> =>
    client.workflow.getHandle(provisionDpuWorkflowId(dpu)).query(statusQuery);
  const waitReady = (dpus: string[], timeoutMs: number) =>
    waitFor(
      `${dpus.join(', ')} Ready`,
      async () => {
        const all = await Promise.all(dpus.map(status));
        const failed = all.find((s) => s.phase === Phase.Error);
        if (failed) throw new Error(`${failed.dpu} is in Error: ${failed.lastError?.message}`);
        return all.every((s) => s.phase === Phase.Ready) && all;
      },
      { timeoutMs, everyMs: 500, explain },
    );

  /**
   * The tests' fleets, each a host of its own with the DPUs its test provisions, all started before
   * the first test and served by one host-workers process (one process to start, not one a test).
   */
  const FLEETS = { ready: 2, history: 3, matching: 2, frontend: 1 } as const;
  const fleetOf = new Map<keyof typeof FLEETS, SimFleet>();
  const fleet = (name: keyof typeof FLEETS): SimFleet => fleetOf.get(name)!;

  beforeAll(async () => {
    await cluster.start();
    client = await cluster.connect(codecDataConverter(env()));
    for (const [name, dpusPerHost] of Object.entries(FLEETS) as Array<[keyof typeof FLEETS, number]>) {
      const f = await startSimFleet({
        ...FAST,
        hosts: 1,
        dpusPerHost,
        dir: path.join(dir, name),
        prefix: `${name}-`,
      });
      fleets.push(f);
      fleetOf.set(name, f);
    }
    [controlWorker] = await Promise.all([
      startControlWorker(client, {
        dir,
        logFile: path.join(dir, 'control.log'),
        env: env(),
        started: (w) => workers.push(w),
      }),
      startFleetHostWorkers(
        client,
        { hosts: fleets.flatMap((f) => f.hosts) },
        { logFile: path.join(dir, 'hosts.log'), env: env(), started: (w) => workers.push(w) },
      ),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(5_000)));
    await Promise.all(fleets.map((f) => f.stop()));
    await client?.connection.close();
    await cluster.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('2 DPUs reach Ready over mTLS, each flashed once, and `xpuflow runs list` reads them from SQL visibility', async () => {
    const f = fleet('ready');
    for (const d of f.dpus) await startProvision(client, d.spec);
    await waitReady(
      f.dpus.map((d) => d.spec.name),
      60_000,
    );
    for (const d of f.dpus) expect(d.dms.counters.flashes).toBe(1);
    // The codec was on: what the cluster stored in PostgreSQL is encrypted.
    const raw = await cluster.connect(); // no codec
    try {
      const history = await raw.workflow
        .getHandle(provisionDpuWorkflowId(f.dpus[0].spec.name))
        .fetchHistory();
      const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
      expect(Buffer.from(input.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
      expect(JSON.stringify(history)).not.toContain(f.dpus[0].spec.bfb.url);
    } finally {
      await raw.connection.close();
    }

    // Visibility lags the workflow (the search attributes reach PostgreSQL through history's
    // visibility queue): retry until the CLI lists both as Ready.
    const listed = await waitFor(
      'runs list to show both DPUs Ready',
      async () => {
        const r = await run(process.execPath, [distFile('cli/main.js'), 'runs', 'list', '--json'], {
          env: { ...process.env, ...env() },
        });
        const rows = (JSON.parse(r.stdout) as { runs: Array<{ dpu?: string; phase?: string }> }).runs;
        const ours = rows.filter((row) => f.dpus.some((d) => d.spec.name === row.dpu));
        return ours.length === 2 && ours.every((row) => row.phase === Phase.Ready) && ours;
      },
      { timeoutMs: 30_000, everyMs: 1_000, explain },
    );
    expect(listed.map((r) => r.dpu).sort()).toEqual(f.dpus.map((d) => d.spec.name).sort());
  });

  test('the frontend refuses a client without a certificate and one from another CA, saying so', async () => {
    const noCert = temporalSettings(
      cluster.clientEnv({
        TEMPORAL_TLS_CLIENT_CERT_PATH: undefined,
        TEMPORAL_TLS_CLIENT_KEY_PATH: undefined,
      }),
    );
    await expect(connectWorker(noCert)).rejects.toThrow(
      /TLS handshake with Temporal .* failed: the server refused this client: it wants a client certificate/,
    );

    const stranger = new TestPki();
    try {
      const otherCa = stranger.ca('some-other-ca');
      const foreign = stranger.issue(otherCa, 'foreign-worker');
      const foreignCert = temporalSettings(
        cluster.clientEnv({
          TEMPORAL_TLS_CLIENT_CERT_PATH: foreign.cert,
          TEMPORAL_TLS_CLIENT_KEY_PATH: foreign.key,
        }),
      );
      await expect(connectWorker(foreignCert)).rejects.toThrow(
        /TLS handshake with Temporal .* failed: the server refused this client's certificate: no CA it trusts for clients signed it; use a certificate from the cluster's client CA \(TEMPORAL_TLS_CLIENT_CERT_PATH/,
      );
    } finally {
      stranger.dispose();
    }
  });

  test("xpuflow's clients over the cluster's mTLS, from TEMPORAL_TLS_* and from a TOML profile; a wrong server CA is named by the worker connection and by a control worker that exits", async () => {
    const s = temporalSettings(env());
    expect(s.tls).toBe(true);
    const c = await connectClient(s);
    const info = await c.workflowService.describeNamespace({ namespace: cluster.namespace });
    expect(info.namespaceInfo?.name).toBe(cluster.namespace);
    await c.connection.close();
    await (await connectWorker(s)).close();

    const toml = path.join(dir, 'temporal.toml');
    fs.writeFileSync(
      toml,
      [
        '[profile.secure]',
        `address = "${cluster.address}"`,
        `namespace = "${cluster.namespace}"`,
        '[profile.secure.tls]',
        `server_ca_cert_path = "${cluster.ca.cert}"`,
        `client_cert_path = "${cluster.client.cert}"`,
        `client_key_path = "${cluster.client.key}"`,
        `server_name = "${FRONTEND_SERVER_NAME}"`,
        '',
      ].join('\n'),
    );
    const fromProfile = temporalSettings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'secure' });
    expect(fromProfile).toMatchObject({ address: cluster.address, namespace: cluster.namespace, tls: true });
    await (await connectWorker(fromProfile)).close();

    const stranger = new TestPki();
    try {
      const otherCa = stranger.ca('some-other-ca');
      await expect(
        connectWorker(temporalSettings(env({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: otherCa.cert }))),
      ).rejects.toThrow(/not signed by the CA this client trusts: check TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
      const r = await run(process.execPath, [distFile('workers/control/main.js')], {
        env: { ...process.env, ...env({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: otherCa.cert }) },
        timeout: 60_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`TLS handshake with Temporal at ${cluster.address}`);
      expect(r.stderr).toContain("the server's certificate is not signed by the CA this client trusts");
    } finally {
      stranger.dispose();
    }
  });

  describeVf('a pod VF attach through the cluster (real netns, veth, OVS, kubelet protocol)', () => {
    // Network namespaces and links on this host: one such file (or block) at a time.
    holdLock(LOCKS.hostNetwork);
    let h: VfHarness;
    beforeAll(async () => {
      h = new VfHarness(2, { env: env(), connect: () => cluster.connect(codecDataConverter(env())) });
      await h.start();
    }, 120_000);
    afterAll(() => h?.dispose(), 60_000);

    test('Allocate → lease Reserved → CNI ADD into the pod → Attached → DEL → lease finished, its history encrypted', async () => {
      const vf = h.vfs[0];
      const lease = h.client.workflow.getHandle(vfLeaseWorkflowId(h.node, vf));
      const phase = async () => (await lease.query(leaseStatusQuery)).phase;
      await h.kubelet.allocate(h.resourceName, [[vf]]);
      await waitFor('lease Reserved', async () => (await phase()) === 'Reserved', {
        timeoutMs: 30_000,
        explain: () => h.logs(),
      });
      const netns = h.netns('a');
      const conf = h.conf({ runtimeConfig: { deviceID: vf } });
      const add = await h.cni('ADD', { containerId: 'ctr-a', netns, pod: 'pod-a', conf });
      expect(add).toMatchObject({ code: 0, stderr: '' });
      expect(h.link('net1', netns)).toMatchObject({ ifname: 'net1', address: leaseMac(h.node, vf) });
      expect(await phase()).toBe('Attached');
      expect(await h.cni('DEL', { containerId: 'ctr-a', netns, pod: 'pod-a', conf })).toMatchObject({
        code: 0,
        stderr: '',
      });
      await waitFor('lease finished', async () => (await lease.describe()).status.name === 'COMPLETED', {
        timeoutMs: 30_000,
        explain: () => h.logs(),
      });
      const raw = await cluster.connect(); // no codec
      try {
        const history = await raw.workflow.getHandle(lease.workflowId).fetchHistory();
        const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
        expect(Buffer.from(input.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
      } finally {
        await raw.connection.close();
      }
    });
  });

  test('history killed -9 while a fleet is flashing and started again: every DPU reaches Ready, flashed once', async () => {
    const f = fleet('history');
    const [d] = f.dpus;
    // DMS holds its answer to Activate (the flash has started) for one DPU: the control worker waits on it.
    const held = d.dms.holdAt('after-activate');
    for (const x of f.dpus) await startProvision(client, x.spec);
    await held.reached;
    await cluster.kill9('history');
    // While history is away, the Activate answer arrives and the worker tries to report it.
    held.release();
    await new Promise((r) => setTimeout(r, 3_000));
    cluster.startService('history');
    await cluster.waitListening('history');
    await waitReady(
      f.dpus.map((x) => x.spec.name),
      90_000,
    );
    for (const x of f.dpus) expect(x.dms.counters.flashes).toBe(1);
  });

  /** The xpuflow CLI as the operator runs it, bounded: a hang is a failure of its own. */
  async function cli(args: string[], timeoutMs = 45_000) {
    const r = await run(process.execPath, [distFile('cli/main.js'), ...args], {
      env: { ...process.env, ...env() },
      timeout: timeoutMs,
    }).then(
      (ok) => ({ code: 0 as number | null, stdout: ok.stdout, stderr: ok.stderr, killed: false }),
      (e: { code: number | null; stdout: string; stderr: string; killed: boolean }) => e,
    );
    if (r.killed) throw new Error(`xpuflow ${args.join(' ')} hung for ${timeoutMs} ms: ${r.stderr}`);
    return r;
  }

  /** The worker processes are the ones started before the fault: none exited or was restarted. */
  function samePids(): number[] {
    for (const w of workers)
      if (w.proc.exitCode !== null || w.proc.signalCode !== null)
        throw new Error(`worker ${w.script} exited (${w.proc.exitCode ?? w.proc.signalCode}): ${explain()}`);
    return workers.map((w) => w.proc.pid!);
  }

  test('matching killed -9 mid-provisioning and started again: `dpu status` says what it waits on, `runs list` still reads, each DPU Ready, flashed once, by the same workers', async () => {
    const f = fleet('matching');
    const [held, other] = f.dpus;
    const pids = samePids();
    // DMS holds its answer to Activate (the flash has started) for one DPU; the other goes on.
    const hold = held.dms.holdAt('after-activate');
    for (const d of f.dpus) await startProvision(client, d.spec);
    await hold.reached;
    await cluster.kill9('matching');
    // While matching is away, the flash finishes and the control worker tries to report it.
    hold.release();
    const [status, runs] = await Promise.all([
      cli(['dpu', 'status', held.spec.name]),
      cli(['runs', 'list']),
    ]).finally(() => cluster.startService('matching'));
    // The live status needs a worker's answer, which only matching can deliver: the CLI says so, with
    // the frontend it asked and the phase visibility holds, not a stack trace.
    expect(status.code).toBe(1);
    console.log(`dpu status with matching away: ${status.stderr}`);
    expect(status.stderr).toMatch(
      new RegExp(
        `^xpuflow: no (live status of|answer about) provision-dpu-${held.spec.name} (through|from) Temporal at ${cluster.address} \\((DEADLINE_EXCEEDED|UNAVAILABLE|CANCELLED): .*\\): .*(the query needs the cluster's matching service|history, matching\\) may be away)`,
      ),
    );
    expect(status.stderr).not.toMatch(/\n\s+at /);
    // Visibility is read from PostgreSQL through the frontend and history-free: it still lists both runs.
    expect(runs.code).toBe(0);
    for (const d of f.dpus) expect(runs.stdout).toMatch(new RegExp(`${d.spec.name} .* RUNNING`));

    await cluster.waitListening('matching');
    await waitReady([held.spec.name, other.spec.name], 90_000);
    for (const d of f.dpus) expect(d.dms.counters.flashes).toBe(1);
    expect(samePids()).toEqual(pids);
    expect((await cli(['dpu', 'status', held.spec.name])).stdout).toMatch(/Ready/);
  });

  test('the frontend restarted while workers poll: the CLI names the frontend it cannot reach; the workers reconnect by themselves and the DPU reaches Ready, flashed once', async () => {
    const f = fleet('frontend');
    const d = f.dpus[0];
    const pids = samePids();
    const hold = d.dms.holdAt('after-activate');
    await startProvision(client, d.spec);
    await hold.reached;
    await cluster.kill9('frontend');
    hold.release();
    const [status, runs] = await Promise.all([
      cli(['dpu', 'status', d.spec.name]),
      cli(['runs', 'list']),
    ]).finally(() => cluster.startService('frontend'));
    for (const r of [status, runs]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^xpuflow: cannot reach Temporal at ${cluster.address} \\(namespace ${cluster.namespace}, TLS on\\): .*Is the cluster's frontend service up and listening there\\? Workflows already running lose nothing while it is away`,
        ),
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    await cluster.waitListening('frontend');
    await waitReady([d.spec.name], 90_000);
    expect(d.dms.counters.flashes).toBe(1);
    expect(samePids()).toEqual(pids);
  });

  // Last in the file: the rollout's control worker needs the kube cluster, and it takes over the
  // control queue from the file's own control worker (which has none), stopped here.
  describe('a DPUSet rollout through the cluster (real kube-apiservers, controllers in the test)', () => {
    let h: KubeHarness;
    beforeAll(async () => {
      workers.splice(workers.indexOf(controlWorker), 1);
      await controlWorker.stop(5_000);
      h = new KubeHarness({ env: env(), connect: () => cluster.connect(codecDataConverter(env())) });
      await h.start();
    }, 120_000);
    afterAll(() => h?.dispose(), 60_000);

    test('a new BFB rolls 2 DPUs with maxUnavailable=1: both updated, never both down, each flashed once for it, the rollout history encrypted', async () => {
      const f = await h.hosts('roll', 2, { 'xpuflow.dev/dpu-host': 'true' });
      const names = f.dpus.map((d) => dpuObjectName(d.host.node, d.spec.pciAddress));
      const ready = (d: DpuResource | undefined, bfb: string) =>
        d?.spec.bfb === bfb &&
        d.status?.phase === 'Ready' &&
        (d.status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
      await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
      await h.startControllers();
      const set = { namespace: KUBE_NS, name: 'roll' };
      await h.kube.create('DPUSet', KUBE_NS, {
        metadata: { name: set.name },
        spec: {
          nodeSelector: { matchLabels: { 'xpuflow.dev/dpu-host': 'true' } },
          dpuTemplate: { spec: { bfb: 'bf-2-9-1' } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        },
      });
      for (const n of names)
        await h.waitFor(`${n} Ready`, async () => ready(await h.dpu(n), 'bf-2-9-1'), 60_000);
      const before = f.dpus.map((d) => d.dms.counters.flashes);
      expect(before).toEqual([1, 1]);

      await h.createBfb('bf-2-9-2', 'bf-bundle-2.9.2.bfb');
      const from = h.dpuEvents.length;
      await h.kube.patch('DPUSet', set, { spec: { dpuTemplate: { spec: { bfb: 'bf-2-9-2' } } } });
      const done = await h.waitFor(
        'the DPUSet rollout complete',
        async () => {
          const s = await h.kube.get<DpuSetResource>('DPUSet', set);
          return s?.status?.conditions?.some(
            (c) => c.type === 'RolloutProgressing' && c.reason === 'RolloutComplete',
          )
            ? s
            : undefined;
        },
        60_000,
      );
      expect(done.status).toMatchObject({ dpus: 2, updated: 2, failed: 0 });
      for (const n of names) expect(ready(await h.dpu(n), 'bf-2-9-2')).toBe(true);
      expect(f.dpus.map((d) => d.dms.counters.flashes)).toEqual([2, 2]);
      // The watch replayed: each DPU went down once for the update, never both at once.
      const seen = h.dpuEvents.slice(from);
      const up = new Map(names.map((n) => [n, true]));
      let worst = 0;
      for (const e of seen) {
        up.set(e.name, e.ready);
        worst = Math.max(worst, [...up.values()].filter((r) => !r).length);
      }
      for (const n of names) expect(seen.some((e) => e.name === n && !e.ready)).toBe(true);
      expect(worst).toBe(1);

      // The codec was on: the rollout's history, read without it, is encrypted.
      const raw = await cluster.connect(); // no codec
      try {
        const history = await raw.workflow.getHandle(done.status!.rolloutWorkflowId!).fetchHistory();
        const started = history.events![0].workflowExecutionStartedEventAttributes!;
        expect(started.workflowType!.name).toBe('dpusetRollout');
        const input = started.input!.payloads![0];
        expect(Buffer.from(input.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
        // Every payload (input, activity inputs and results, the result) is ciphertext naming no DPU
        // (the children's workflow IDs do name them: IDs are not payloads).
        const payloads = payloadTexts(history.events);
        expect(payloads.length).toBeGreaterThan(10);
        for (const n of names) expect(payloads.filter((p) => p.includes(n))).toEqual([]);
      } finally {
        await raw.connection.close();
      }
    });
  });
});
