/**
 * Operating xpuflow as on-call would, against a real dev server with the
 * payload codec on and a metrics endpoint on the control worker: find the
 * failed DPU (`runs list`), read its story (`runs show`), replay it, reset it;
 * no secret in clear in raw history while the codec endpoint decodes it; the
 * metrics endpoint carries the named series; logs are JSON with workflow and DPU.
 */
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { AesGcmCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../platform/codec/aes-gcm-codec';
import { codecDataConverter } from '../../platform/codec/data-converter';
import { loadKeyring } from '../../platform/codec/keyring';
import { startCodecServer, type CodecServer } from '../../platform/codec/server';
import { startProvision } from '../../cli/dpu/start-provision';
import { Phase } from '../../model/phases';
import { provisionDpuWorkflowId } from '../../model/workflow-ids';
import { freePort } from '../../sim/free-port';
import type { SimFleet } from '../../sim/fleet';
import { distFile } from '../support/tools';
import { Harness } from './fleet-harness';

jest.setTimeout(240_000);
const run = promisify(execFile);
const keysDir = fs.mkdtempSync('/tmp/xpuflow-keys-');
fs.writeFileSync(path.join(keysDir, '2026-01'), crypto.randomBytes(32).toString('base64'));
fs.writeFileSync(path.join(keysDir, '2026-11'), crypto.randomBytes(32).toString('base64'));
const codecEnv = { XPUFLOW_CODEC_KEYS: keysDir };
let metricsPort = 0;
let h: Harness;
let fleet: SimFleet;
let codecServer: CodecServer;
const SECRET = `s3cr3t-${crypto.randomBytes(6).toString('hex')}`;

async function xpuflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [distFile('cli/main.js'), ...args], {
      env: { ...process.env, ...h.env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  metricsPort = await freePort();
  h = new Harness({
    env: { ...codecEnv, XPUFLOW_LOG_LEVEL: 'DEBUG' },
    controlEnv: { XPUFLOW_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` },
    dataConverter: codecDataConverter(codecEnv),
  });
  await h.start();
  codecServer = await startCodecServer({
    codec: new AesGcmCodec(loadKeyring(keysDir)),
    corsOrigins: [],
  });
  fleet = await h.fleet('ops', {
    hosts: 1,
    dpusPerHost: 2,
    flashMs: 3_000,
    rebootMs: 1_000,
    bfbSizeBytes: 2 ** 20,
    timing: { expectedFlashSeconds: 3, pollInitialSeconds: 1, pollMaxSeconds: 1, rebootDelaySeconds: 1 },
  });
  const [good, bad] = fleet.dpus;
  bad.dms.injectFault({ kind: 'INTEGRITY_FAIL' });
  // A credential in the BFB URL stands for the secrets a spec carries (tokens, kubeconfigs).
  await startProvision(h.client, {
    ...good.spec,
    bfb: { ...good.spec.bfb, url: `${good.spec.bfb.url}?token=${SECRET}` },
  });
  await startProvision(h.client, bad.spec);
  await h.waitAll([good.spec.name], (s) => s.phase === Phase.Ready);
  await h.waitAll([bad.spec.name], (s) => s.phase === Phase.Error);
});
afterAll(async () => {
  await codecServer?.close();
  await h?.dispose();
  fs.rmSync(keysDir, { recursive: true, force: true });
});

test('no secret in clear in raw history; the codec endpoint decodes it', async () => {
  const raw = new Client({ connection: await Connection.connect({ address: h.server.address }) }); // no codec
  const history = await raw.workflow
    .getHandle(provisionDpuWorkflowId(fleet.dpus[0].spec.name))
    .fetchHistory();
  await raw.connection.close();
  expect(JSON.stringify(history)).not.toContain(SECRET);
  const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
  expect(Buffer.from(input.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(input.metadata![KEY_ID_METADATA]!).toString()).toBe('2026-11');
  const b64 = (u?: Uint8Array | null) => Buffer.from(u ?? []).toString('base64');
  const res = await fetch(`${codecServer.url}/decode`, {
    method: 'POST',
    body: JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(input.metadata!).map(([k, v]) => [k, b64(v)])),
          data: b64(input.data),
        },
      ],
    }),
  });
  const decoded = (await res.json()) as { payloads: { data: string }[] };
  expect(Buffer.from(decoded.payloads[0].data, 'base64').toString()).toContain(SECRET);
});

test('runs list finds the failed DPU by phase, and the ready one by node and status', async () => {
  const [good, bad] = fleet.dpus;
  const failed = await xpuflow('runs', 'list', '--phase', 'error', '--since', '1h', '--json');
  expect(failed.code).toBe(0);
  const rows = (JSON.parse(failed.stdout) as { runs: { dpu: string; phase: string }[] }).runs;
  expect(rows.map((r) => [r.dpu, r.phase])).toEqual([[bad.spec.name, 'Error']]);

  const ready = await xpuflow('runs', 'list', '--node', good.spec.node, '--status', 'completed');
  expect(ready.stdout).toContain(good.spec.name);
  expect(ready.stdout).not.toContain(bad.spec.name);
  expect(ready.stdout).toMatch(/DPU\s+NODE\s+PHASE\s+STATUS/);

  const refused = await xpuflow('runs', 'list', '--since', 'yesterday');
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('--since "yesterday" is neither a duration');
});

test('runs show tells the failed run: phases with times, the failure and its cause, activity attempts', async () => {
  const r = await xpuflow('runs', 'show', fleet.dpus[1].spec.name);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/OS Installing\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+[\d.]+ s/);
  expect(r.stdout).toMatch(/Error\s+\d{4}-/);
  expect(r.stdout).toMatch(/! #\d+ dmsInstallBfb \[OS Installing\] failed, attempt 1/);
  expect(r.stdout).toMatch(/INTEGRITY_FAIL/);
});

test('replay of a server run (encrypted history) passes; an unknown ID is named with exit 2', async () => {
  const ok = await xpuflow('replay', fleet.dpus[0].spec.name);
  expect(ok.stderr).toBe('');
  expect(ok.stdout).toMatch(/all \d+ events replay against this build's workflow code/);
  expect(ok.code).toBe(0);
  const unknown = await xpuflow('replay', 'no-such-dpu');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain(
    'no workflow "no-such-dpu" in namespace default (nor provision-dpu-no-such-dpu)',
  );
});

test("a parked DPU's current details (the UI's text for the run) say in plain words what is wrong", async () => {
  const meta = (await h.client.workflow
    .getHandle(provisionDpuWorkflowId(fleet.dpus[1].spec.name))
    .query('__temporal_workflow_metadata')) as { currentDetails?: string };
  expect(meta.currentDetails).toMatch(
    new RegExp(
      `^\\*\\*${fleet.dpus[1].spec.name}\\*\\* on ${fleet.dpus[1].spec.node}: Error in OS Installing: .*integrity check`,
    ),
  );
});

test('with keys that lack the one history was written with, replay and show say which key ID', async () => {
  const wrong = path.join(keysDir, '..', `wrong-keys-${crypto.randomUUID()}.json`);
  fs.writeFileSync(wrong, JSON.stringify({ keys: { '2026-01': crypto.randomBytes(32).toString('base64') } }));
  const r = await run(process.execPath, [distFile('cli/main.js'), 'replay', fleet.dpus[0].spec.name], {
    env: { ...process.env, ...h.env, XPUFLOW_CODEC_KEYS: wrong },
  }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  fs.rmSync(wrong);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('key ID "2026-11", which the keyring does not hold');
});

test('reset of a DPU in Error retries it in place from the phase asked', async () => {
  const bad = fleet.dpus[1];
  const r = await xpuflow('reset', bad.spec.name, '--to', 'os-installing');
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain('was in Error; retry 1 restarts from OS Installing');
  const [s] = await h.waitAll([bad.spec.name], (x) => x.phase === Phase.Ready);
  expect(s.retries).toBe(1);
});

test('reset of a finished run to a phase: Temporal reset, a new run redoes that phase to Ready', async () => {
  const good = fleet.dpus[0];
  const r = await xpuflow('reset', good.spec.name, '--to', 'Host Network Configuration');
  expect(r.stdout).toMatch(
    /reset to event \d+ \(the task that entered Host Network Configuration\); new run \S+ replaces/,
  );
  const newRunId = /new run (\S+)/.exec(r.stdout)![1];
  const handle = h.client.workflow.getHandle(provisionDpuWorkflowId(good.spec.name), newRunId);
  expect((await handle.result()).phase).toBe(Phase.Ready);
  const never = await xpuflow('reset', good.spec.name, '--to', 'Ready');
  expect(never.code).toBe(2);
  expect(never.stderr).toContain('--to "Ready" is not a phase to run from');
});

test('the control worker serves the SDK and xpuflow series on /metrics', async () => {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  for (const series of [
    'xpuflow_phase_duration_seconds_bucket{',
    'phase="OS Installing"',
    'le="1200"', // buckets sized for flashes, not the SDK's default 10 s top
    'xpuflow_flash_bytes',
    'xpuflow_flash_throughput_bytes_per_second_bucket{',
    'temporal_workflow_completed',
    'temporal_activity_execution_latency',
  ])
    expect(text).toContain(series);
  // No gauge is seeded: this worker ran no DPUSet rollout, so it has no rollout series
  // (test/kube/dpuset-lifecycle.test.ts follows one from 0 to 1).
  expect(text).not.toContain('xpuflow_rollout_progress_ratio');
});

test('worker logs are JSON lines carrying the workflow ID and the DPU', () => {
  const lines = fs
    .readFileSync(h.control!.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const name = fleet.dpus[0].spec.name;
  expect(lines.find((l) => l.workflowId === provisionDpuWorkflowId(name) && l.dpu === name)).toMatchObject({
    component: 'control-worker',
    level: expect.any(String),
    msg: expect.any(String),
  });
});
