/**
 * Issue 14, the redfish install path end to end: DPU objects with
 * `installPath: redfish` are provisioned through their BMC (the BlueField
 * BMC simulator, sim/bmc, over HTTPS with its CA pinned from a Secret) on
 * the real API server, Temporal dev server and worker processes of the kube
 * harness. The BMC fetches the BFB from the BFB server itself; DMS is never
 * deployed (DMS Deployment is shown as not applicable).
 *
 * Exactly one update per DPU across kill -9 of the control worker while the
 * BMC fetches the image and while the task flashes it; every bad input of
 * the issue (401, a certificate that is not the pinned one, an image the BMC
 * cannot fetch, a task that ends in Exception, a BFB the BMC rejects) parks
 * the DPU in Error with the message the failure catalogue
 * (activities/redfish/failures.ts) gives it.
 *
 * The BMC fetches the BFB followed by the DPU's bf.cfg from the control
 * worker's image server (XPUFLOW_IMAGE_SERVER), as NVIDIA DPF serves both from
 * its BFB server; a DPU in a DPUCluster joins it with the bf.cfg the BMC
 * handed it (the simulated DPU runs kubeadm join with only that file).
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { refOf, type DpuResource } from '../../model/resources/common';
import { statusQuery } from '../../model/dpu-provision-api';
import { dpuGenerationWorkflowId } from '../../model/workflow-ids';
import { dmsPodName } from '../../model/dpu';
import { startBmcSim, type BmcSim, type BmcSimOptions } from '../../sim/bmc';
import type { UpdateFault } from '../../sim/bmc/faults';
import type { SimFleet } from '../../sim/fleet';
import type { WorkerProcess } from '../../cli/demo/worker-processes';
import { startControlWorker } from '../support/polling-workers';
import { waitFor } from '../support/wait-for';
import { KubeHarness, NS } from './kube-harness';
import { JoinRefused, kubeadmJoin, parseBfCfgJoin } from '../../sim/dpu';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';

/** The harness's BFB (bf-bundle-2.9.1.bfb) is this long: the BMC simulator finds the bf.cfg after it. */
const BFB_BYTES = 2 * 2 ** 20;

jest.setTimeout(180_000);
const h = new KubeHarness();
const sims: BmcSim[] = [];
const extraWorkers: WorkerProcess[] = [];
let fleet: SimFleet;
let nextHost = 0;

beforeAll(async () => {
  await h.start();
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  // A killed control worker's activity is noticed in 5 s (the BMC activities heartbeat every look, 1 s).
  await h.startControllers({ timing: { heartbeatTimeoutSeconds: 5, rebootTimeoutSeconds: 30 } });
  fleet = await h.hosts('rf', 12, {}); // one host per DPU of this file
});
afterAll(async () => {
  await Promise.all(extraWorkers.map((w) => w.stop(5_000)));
  await Promise.all(sims.map((s) => s.stop()));
  await h.dispose();
});

/** A host of the fleet, its BMC simulator, the BMC Secrets, and a DPU object taking the redfish path. */
async function redfishDpu(
  name: string,
  opts: {
    sim?: BmcSimOptions;
    password?: string;
    pin?: 'ca' | 'sha256' | 'wrong';
    fault?: UpdateFault;
    cluster?: string;
  } = {},
): Promise<{ sim: BmcSim }> {
  const i = nextHost++;
  const sim = await startBmcSim({ flashSeconds: 1, bootSeconds: 0.3, bfbBytes: BFB_BYTES, ...opts.sim });
  sims.push(sim);
  if (opts.fault) sim.faults.failNextUpdate(opts.fault);
  await h.kube.core.createNamespacedSecret({
    namespace: NS,
    body: {
      metadata: { name: `${name}-bmc` },
      stringData: { username: sim.username, password: opts.password ?? sim.password, 'ca.crt': sim.caPem },
    },
  });
  const pin = opts.pin ?? 'ca';
  const wrongSha = createHash('sha256').update('not the BMC').digest('hex');
  await h.kube.create('DPU', NS, {
    metadata: { name },
    spec: {
      nodeName: fleet.hosts[i].node,
      pciAddress: fleet.dpus[i].spec.pciAddress,
      bfb: 'bf-2-9-1',
      installPath: 'redfish',
      ...(opts.cluster ? { cluster: { name: opts.cluster } } : {}),
      bmc: {
        address: sim.url,
        credentialsSecret: { name: `${name}-bmc` },
        ...(pin === 'ca' ? { caRef: { kind: 'Secret', name: `${name}-bmc` } } : {}),
        ...(pin === 'sha256' ? { certSha256: sim.certSha256 } : {}),
        ...(pin === 'wrong' ? { certSha256: wrongSha } : {}),
      },
    },
  });
  return { sim };
}

function inPhase(name: string, phase: 'Ready' | 'Error'): Promise<DpuResource> {
  return h.waitFor(`${name} in ${phase}`, async () => {
    const d = await h.dpu(name);
    if (phase === 'Ready' && d?.status?.phase === 'Error') {
      throw new Error(`${name} went to Error: ${d.status.message}`);
    }
    return d?.status?.phase === phase ? d : undefined;
  });
}

test('a DPU provisioned through its BMC reaches Ready: one SimpleUpdate, one reset, the new version booted, no DMS pod', async () => {
  const { sim } = await redfishDpu('rf-ready');
  const dpu = await inPhase('rf-ready', 'Ready');
  expect(sim.updateCount()).toBe(1);
  expect(sim.resetCount()).toBe(1);
  expect(sim.installedVersion()).toBe('bf-bundle-2.9.1');
  // The BFB and the DPU's bf.cfg, one stream from the control worker's image server.
  const bfbSha = h.bfb.sha256('bf-bundle-2.9.1.bfb');
  expect(sim.updates()[0].imageUri).toMatch(
    new RegExp(
      `^http://${h.imageServer}/bfb/${bfbSha}/bf-rf-ready-[0-9a-f]{12}\\.cfg/bf-bundle-2\\.9\\.1\\.bfb$`,
    ),
  );
  expect(sim.updates()[0].bfCfg).toContain("XPUFLOW_DPU_NAME='rf-ready'");
  expect(parseBfCfgJoin(sim.updates()[0].bfCfg ?? '')).toBeUndefined(); // no DPUCluster: no join
  expect(await h.kube.getPod(NS, dmsPodName('rf-ready'))).toBeUndefined();

  // The operator's phase list is the gNOI path's, DMS Deployment shown as not applicable.
  const provision = h.client.workflow.getHandle(dpuGenerationWorkflowId('provision', refOf(dpu.metadata), 1));
  const history = await provision.fetchHistory();
  const scheduled = (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((n): n is string => !!n && n.startsWith('redfish'));
  expect(scheduled).toEqual([
    'redfishStageImage',
    'redfishStartUpdate',
    'redfishFollowUpdate',
    'redfishAwaitVersion',
    'redfishResetDpu',
    'redfishAwaitVersion',
  ]);
  h.captureHistory(provision.workflowId, 'provision-dpu-kube-redfish-ready.json');
  const status = await provision.query(statusQuery);
  const dms = status.phases.find((p) => p.phase === 'DMS Deployment');
  expect(dms).toMatchObject({ result: 'skipped' });
  expect(dms?.message).toMatch(
    /not applicable: installPath redfish installs through the BMC at https:\/\/127\.0\.0\.1:/,
  );
  expect(status.phases.find((p) => p.phase === 'OS Installing')?.message).toMatch(
    /installed bf-bundle-2\.9\.1\.bfb .*booted bf-bundle-2\.9\.1/,
  );
});

test('the API server refuses installPath redfish without a bmc, and a bmc with no pinned certificate, naming the field', async () => {
  const base = { nodeName: fleet.hosts[0].node, pciAddress: '0000:09:00.0', bfb: 'bf-2-9-1' };
  const refused = async (name: string, spec: object): Promise<string> => {
    try {
      await h.kube.create('DPU', NS, { metadata: { name }, spec: { ...base, ...spec } });
    } catch (err) {
      return String((err as { body?: unknown }).body ?? err);
    }
    throw new Error(`the API server took DPU ${name}`);
  };
  expect(await refused('rf-no-bmc', { installPath: 'redfish' })).toMatch(
    /spec\.bmc: .*spec\.bmc is required when spec\.installPath is redfish/,
  );
  expect(
    await refused('rf-no-pin', {
      installPath: 'redfish',
      bmc: { address: '10.0.5.7', credentialsSecret: { name: 'bmc' } },
    }),
  ).toMatch(/spec\.bmc: .*spec\.bmc needs caRef or certSha256/);
  expect(
    await refused('rf-bad-sha', {
      installPath: 'redfish',
      bmc: { address: '10.0.5.7', credentialsSecret: { name: 'bmc' }, certSha256: 'xyz' },
    }),
  ).toMatch(/spec\.bmc\.certSha256/);
});

test('pinned by the certificate SHA-256 instead of a CA: Ready', async () => {
  const { sim } = await redfishDpu('rf-sha', { pin: 'sha256' });
  await inPhase('rf-sha', 'Ready');
  expect(sim.updateCount()).toBe(1);
});

/** kill -9 of the control worker once `ready` says the moment has come, then a new one; Ready with one update. */
async function killControlWorkerWhen(name: string, sim: BmcSim, ready: () => boolean): Promise<void> {
  await waitFor(`${name}'s BMC to reach the kill point`, async () => ready(), {
    timeoutMs: 60_000,
    everyMs: 50,
  });
  expect(sim.updateCount()).toBe(1);
  const control = [...h.processes(), ...extraWorkers].find(
    (w) => w.script.includes('control') && w.proc.exitCode === null && w.proc.signalCode === null,
  );
  if (!control) throw new Error('no control worker process is running');
  await control.kill9();
  extraWorkers.push(
    await startControlWorker(h.client, {
      dir: h.dir,
      logFile: path.join(h.dir, `control-after-${name}.log`),
      env: {
        ...h.temporalEnv,
        XPUFLOW_KUBECONFIG: h.host.kubeconfigPath,
        XPUFLOW_IMAGE_SERVER: h.imageServer,
      },
    }),
  );
  // Temporal may still list the killed worker's pollers: wait for the new one's image server (any answer).
  await waitFor(
    `the image server of the control worker started after ${name}`,
    async () =>
      (await fetch(`http://${h.imageServer}/`).catch((err: unknown) => {
        // Not listening yet: fetch fails with cause ECONNREFUSED; anything else is a real failure.
        if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return undefined;
        throw err;
      })) !== undefined,
    { timeoutMs: 30_000, everyMs: 100 },
  );
}

test('kill -9 of the control worker while the BMC fetches the image: one update, Ready', async () => {
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  let fetching = false;
  const { sim } = await redfishDpu('rf-kill-fetch', {
    sim: {
      imageFetch: async (uri) => {
        fetching = true;
        await hold;
        const res = await fetch(uri).catch((err: Error) => {
          throw new Error(`GET ${uri}: ${err.message} (${String(err.cause)})`);
        });
        if (!res.ok) throw new Error(`GET ${uri}: HTTP ${res.status} ${await res.text()}`);
        return Buffer.from(await res.arrayBuffer());
      },
    },
  });
  const killed = killControlWorkerWhen('rf-kill-fetch', sim, () => fetching);
  await killed;
  release();
  await inPhase('rf-kill-fetch', 'Ready');
  expect(sim.updateCount()).toBe(1);
  expect(sim.installedVersion()).toBe('bf-bundle-2.9.1');
});

test('kill -9 of the control worker while the task flashes: one update, Ready', async () => {
  const { sim } = await redfishDpu('rf-kill-task', { sim: { flashSeconds: 4 } });
  let runningSince: number | undefined;
  // A second into the 4 s rshim push (the image fetch from the local BFB server takes milliseconds).
  await killControlWorkerWhen('rf-kill-task', sim, () => {
    if (sim.updates()[0]?.state === 'Running') runningSince ??= Date.now();
    return runningSince !== undefined && Date.now() - runningSince > 1000;
  });
  await inPhase('rf-kill-task', 'Ready');
  expect(sim.updateCount()).toBe(1);
  expect(sim.installedVersion()).toBe('bf-bundle-2.9.1');
});

test('wrong BMC credentials: Error naming the DPU, the BMC address and the Secret; nothing started', async () => {
  const { sim } = await redfishDpu('rf-401', { password: 'not-the-password' });
  const dpu = await inPhase('rf-401', 'Error');
  expect(dpu.status?.message).toContain('OS Installing failed');
  expect(dpu.status?.message).toContain(`DPU ${NS}/rf-401`);
  expect(dpu.status?.message).toContain(sim.url.replace('https://', ''));
  expect(dpu.status?.message).toContain(`Secret ${NS}/rf-401-bmc`);
  expect(dpu.status?.message).toMatch(/401.*nothing was started/);
  expect(sim.updateCount()).toBe(0);
});

test('a BMC certificate that is not the pinned one: refused before any credential is sent', async () => {
  const { sim } = await redfishDpu('rf-pin', { pin: 'wrong' });
  const dpu = await inPhase('rf-pin', 'Error');
  expect(dpu.status?.message).toMatch(/does not match the pinned one.*no credential was sent/);
  expect(sim.updateCount()).toBe(0);
});

test.each<[string, UpdateFault, RegExp]>([
  ['rf-fetch', 'image-fetch-fails', /could not fetch the BFB.*reachable from the BMC/],
  ['rf-exception', 'task-exception', /ended in Exception/],
  ['rf-rejected', 'bfb-rejected', /rejected the BFB.*retry from "Pending" with another BFB/],
  [
    'rf-bmc-reboot',
    'bmc-reboots',
    /lost the update task .*retry from "OS Installing" to start the update again/,
  ],
])(
  '%s: a BMC update fault %s parks the DPU in Error with the catalogue message',
  async (name, fault, message) => {
    const { sim } = await redfishDpu(name, { fault });
    const dpu = await inPhase(name, 'Error');
    expect(dpu.status?.message).toMatch(message);
    expect(sim.updateCount()).toBe(1);
  },
);

test("a redfish DPU in a DPUCluster: the bf.cfg after the BFB in the BMC's stream carries the kubeadm join, and the DPU joins with it to Ready", async () => {
  const { sim } = await redfishDpu('rf-join', { cluster: 'dpu-cluster' });
  const cfg = await waitFor('the BMC to hand rf-join its bf.cfg', async () => sim.updates()[0]?.bfCfg, {
    timeoutMs: 60_000,
    everyMs: 50,
  });
  const join = parseBfCfgJoin(cfg);
  expect(join).toMatchObject({ nodeName: dpuClusterNodeName(NS, 'rf-join') });
  expect(join?.token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  // The token's secret is in the bf.cfg only: never in the workflow's history.
  const dpuRef = (await h.dpu('rf-join'))!.metadata;
  const provision = h.client.workflow.getHandle(dpuGenerationWorkflowId('provision', refOf(dpuRef), 1));
  // The simulated DPU joins with only what the BMC pushed to it (the real kube-controller-manager signs its CSR).
  const joined = await kubeadmJoin(join!);
  expect(joined.username).toBe(`system:node:${join!.nodeName}`);
  await inPhase('rf-join', 'Ready');
  expect(sim.updateCount()).toBe(1);
  const history = payloadsOf(await provision.fetchHistory());
  expect(history).toContain(join!.token.split('.')[0]); // the token's ID, public
  expect(history).not.toContain(join!.token.split('.')[1]);
});

test('a redfish DPU reflashed to a new BFB joins again on a new Node: its old Node leaves once the update began', async () => {
  const name = 'rf-rejoin';
  const node = dpuClusterNodeName(NS, name);
  const { sim } = await redfishDpu(name, { cluster: 'dpu-cluster' });
  const firstCfg = await waitFor(
    'the BMC to hand rf-rejoin its bf.cfg',
    async () => sim.updates()[0]?.bfCfg,
    {
      timeoutMs: 60_000,
      everyMs: 50,
    },
  );
  await kubeadmJoin(parseBfCfgJoin(firstCfg)!);
  await inPhase(name, 'Ready');
  const before = await h.dpuKube.getNode(node);
  expect(before?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

  await h.createBfb('bf-2-9-2', 'bf-bundle-2.9.2.bfb');
  await h.kube.patch('DPU', { namespace: NS, name }, { spec: { bfb: 'bf-2-9-2' } });
  const secondCfg = await waitFor(
    'the BMC to hand rf-rejoin its second bf.cfg',
    async () => sim.updates()[1]?.bfCfg,
    {
      timeoutMs: 90_000,
      everyMs: 50,
    },
  );
  // The reflashed DPU joins as DPF's kubeadm-join.service does: again until it is let in. With its
  // old Node still Ready, kubeadm join is refused for as long as that Node stays.
  const join = parseBfCfgJoin(secondCfg)!;
  const joined = await waitFor(
    'the reflashed DPU to join',
    async () =>
      kubeadmJoin(join).catch((err: unknown) => {
        if (err instanceof JoinRefused) return undefined;
        throw err;
      }),
    { timeoutMs: 30_000, everyMs: 500 },
  );
  expect(joined.username).toBe(`system:node:${node}`);
  const after = await h.waitFor(`${name} Ready on bf-2-9-2`, async () => {
    const d = await h.dpu(name);
    return d?.status?.phase === 'Ready' && d.spec.bfb === 'bf-2-9-2' && d.status.observedGeneration === 2
      ? h.dpuKube.getNode(node)
      : undefined;
  });
  // Ready on the Node the reflashed DPU made, not on the old one its kubelet no longer reports.
  expect(after?.metadata?.uid).not.toBe(before?.metadata?.uid);
  expect(sim.updateCount()).toBe(2);
});

/** Every payload of a history, decoded (JSON payloads are base64 in the history's JSON). */
function payloadsOf(history: unknown): string {
  const out: string[] = [];
  const json = JSON.stringify(history);
  for (const m of json.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g))
    out.push(Buffer.from(m[1], 'base64').toString('utf8'));
  return out.join('\n');
}
