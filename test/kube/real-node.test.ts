/**
 * xpuflow's node-side parts against a real kubelet (v1.36.3) and containerd on
 * one real node (test/support/real-node.ts) registered with a real
 * kube-apiserver: the device plugin registers and the node's allocatable
 * follows its pool, a pod asking for the pool is admitted and gets the env
 * Allocate returned, the plugin and the kubelet restarting re-register; the
 * DMS pod (activities/kube/dms-deployment.ts) goes Ready through its own
 * readiness probe; xpuflow's drain (activities/kube/drain.ts) evicts real pods
 * and the kubelet honours each pod's grace period; a PodDisruptionBudget holds
 * xpuflow's cordon-and-drain (activities/kube/node-effect.ts) until relaxed,
 * and the uncordon the provisioning workflow runs at Ready lets the real
 * kube-scheduler place a new pod on the node, which it refused while cordoned.
 *
 * The real kube-scheduler (sim/kube/scheduler.ts) places the pods that name no
 * node: against the node's allocatable of the pool and its spec.unschedulable.
 * The pods that stand for the DMS pod and for the pods a drain evicts name
 * their node, as the DMS pod does; the kubelet itself deletes a terminated
 * pod's object. The real kube-controller-manager runs two controllers: the
 * disruption controller, which keeps the PodDisruptionBudget's status the
 * eviction API checks, and the node lifecycle controller, which lifts the new
 * Node's not-ready taint once it is Ready (and taints it while cordoned). One
 * real node runs on the machine at a time: the file holds the `real-kubelet` lock
 * (test/support/exclusive-lock.ts) from first to last. Behind the device plugin: a simulated sysfs (two VFs on one PF) and a Temporal dev
 * server running the real VF lease workflow, whose host and DPU activities are
 * recording fakes (the attach is not under test here).
 *
 * Kubelet sources cited below are kubernetes/kubernetes at v1.36.3, the tag
 * scripts/kube-assets.sh builds (read in its k8s.io/kubernetes@v1.36.3 module).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';
import { dmsDeploymentActivities } from '../../activities/kube/dms-deployment';
import { drain } from '../../activities/kube/drain';
import { nodeEffectActivities, type NodeEffectInput } from '../../activities/kube/node-effect';
import { setNumVfs } from '../../activities/sysfs';
import { DPF_DMS_POD_LAYOUT, type DmsPodLayout } from '../../model/dms-pod';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { dpuTaskQueue } from '../../model/task-queues';
import { pciEnvName, startDevicePlugin, type RunningDevicePlugin } from '../../node/deviceplugin/plugin';
import type { PoolConfig } from '../../node/deviceplugin/pool';
import { Kube } from '../../platform/kube/client';
import { freePort } from '../../sim/free-port';
import { KubeApiservers, type KubeCluster } from '../../sim/kube';
import { startControllerManager, type RunningControllerManager } from '../../sim/kube/controller-manager';
import { startScheduler, type RunningScheduler } from '../../sim/kube/scheduler';
import { createSysfsTree, startSimKernel, type SimKernel } from '../../sim/sysfs';
import { DevServer } from '../support/dev-server';
import { vfLeaseWorkers } from '../support/vf-lease-workers';
import { requirePrerequisites } from '../support/prerequisites';
import { DEVICE_PLUGIN_DIR, processesNaming, RealNode } from '../support/real-node';
import { TEST_IMAGE } from '../support/real-node-tools';
import { waitFor } from '../support/wait-for';
import { holdLock, LOCKS } from '../support/exclusive-lock';
import { tearDown } from '../support/tear-down';

// The kubelet's device plugin folder is fixed: one real node on the machine at a time (test/support/real-node.ts).
holdLock(LOCKS.realKubelet);

jest.setTimeout(180_000);

const { describe: describeNode } = requirePrerequisites('the real-node tests', ['kubelet-node']);

const NODE = 'real-node-1';
const NS = 'default';
const PF = '0000:03:00.0';
const POOL: PoolConfig = { name: 'pool-a', dpu: 'd1', vlan: 100, selector: { pfNames: ['enp3s0f0'] } };
const RESOURCE = 'xpuflow.io/pool-a';

describeNode('a real node killed mid-test', () => {
  test('the next node names what the dead one left running and does not start', async () => {
    const lock = path.join(DEVICE_PLUGIN_DIR, '.xpuflow-real-node.lock');
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    fs.mkdirSync(DEVICE_PLUGIN_DIR, { recursive: true });
    fs.writeFileSync(lock, `${dead.pid}\n`, { flag: 'wx' });
    // Stands for a kubelet of the dead run: its command line names a node folder.
    const leftover = spawn('sh', ['-c', 'sleep 60', path.join(os.tmpdir(), 'xpu-node-killed')]);
    const apis = { name: 'unused' } as unknown as KubeCluster; // never reached: the lock is checked first
    const next = new RealNode({ name: 'real-node-2', cluster: apis });
    try {
      await expect(next.start()).rejects.toThrow(
        new RegExp(
          `process ${dead.pid}, gone, left a real node running \\(${leftover.pid} sh -c sleep 60 .*xpu-node-killed\\)`,
        ),
      );
      expect(fs.readFileSync(lock, 'utf8')).toBe(`${dead.pid}\n`);
    } finally {
      leftover.kill('SIGKILL');
      fs.rmSync(lock, { force: true });
      await next.stop();
    }
  });
});

describeNode('a real kubelet and containerd', () => {
  const apis = new KubeApiservers();
  const temporal = new DevServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-real-node-'));
  const sysfsRoot = path.join(dir, 'sys');
  let host: KubeCluster;
  let kube: Kube;
  let node: RealNode;
  let kcm: RunningControllerManager | undefined;
  let scheduler: RunningScheduler | undefined;
  let kernel: SimKernel;
  let plugin: RunningDevicePlugin | undefined;
  let client: Client;
  let clientConnection: Connection;
  let connection: NativeConnection;
  let workers: Worker[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let vfs: string[];
  let pfOperstate: string;

  const startPlugin = () =>
    startDevicePlugin({
      client,
      node: NODE,
      sysfsRoot,
      pool: POOL,
      dir: DEVICE_PLUGIN_DIR,
      pollIntervalMs: 200,
      attachTimeoutMs: 120_000,
    });

  /** The node's capacity and allocatable of the pool, as the kubelet last reported them. */
  const poolOnNode = async () => {
    const n = await kube.core.readNode({ name: NODE });
    return { capacity: n.status?.capacity?.[RESOURCE], allocatable: n.status?.allocatable?.[RESOURCE] };
  };
  const awaitPool = (want: { capacity: string; allocatable: string }, why: string) =>
    waitFor(
      `node ${NODE} to report ${RESOURCE} capacity ${want.capacity}, allocatable ${want.allocatable} (${why})`,
      async () => {
        const now = await poolOnNode();
        return now.capacity === want.capacity && now.allocatable === want.allocatable;
      },
      {
        timeoutMs: 60_000,
        explain: async () => `now ${JSON.stringify(await poolOnNode())}; ${node.log('kubelet')}`,
      },
    );

  const pod = async (name: string) => {
    try {
      return await kube.core.readNamespacedPod({ namespace: NS, name });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  };
  const awaitPod = (name: string, what: string, ok: (p: k8s.V1Pod) => boolean) =>
    waitFor(
      `pod ${name} ${what}`,
      async () => {
        const p = await pod(name);
        return p && ok(p) ? p : undefined;
      },
      { timeoutMs: 60_000, explain: async () => `pod: ${JSON.stringify((await pod(name))?.status)}` },
    );

  const awaitGone = (name: string, what: string) =>
    waitFor(`pod ${name} ${what}`, async () => (await pod(name)) === undefined, {
      timeoutMs: 60_000,
      everyMs: 100,
      explain: async () => `pod: ${JSON.stringify((await pod(name))?.status)}`,
    });

  /** A host-network busybox pod on the node (its image imported, never pulled); `limits` of the one container. */
  const busyboxPod = (
    name: string,
    script: string,
    limits?: Record<string, string>,
    extra: Partial<k8s.V1Container> = {},
    grace?: number,
  ): k8s.V1Pod => ({
    metadata: { name, namespace: NS },
    spec: {
      nodeName: NODE,
      hostNetwork: true,
      restartPolicy: 'Never',
      ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}),
      containers: [
        {
          name: 'main',
          image: TEST_IMAGE,
          imagePullPolicy: 'Never',
          command: ['/bin/sh', '-c', script],
          ...(limits ? { resources: { limits } } : {}),
          ...extra,
        },
      ],
    },
  });

  /** The same pod naming no node: the scheduler places it. */
  const toSchedule = (p: k8s.V1Pod): k8s.V1Pod => ({ ...p, spec: { ...p.spec!, nodeName: undefined } });
  const podScheduled = (p: k8s.V1Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  /**
   * The scheduler's refusal (pkg/scheduler/schedule_one.go, handleSchedulingFailure: PodScheduled=False,
   * reason Unschedulable, the FitError's message): the pod stays Pending and bound to no node.
   */
  const awaitUnschedulable = async (name: string, why: string) => {
    const p = await awaitPod(name, 'refused by the scheduler', (q) => podScheduled(q)?.status === 'False');
    // The FitError's message: the filters' reasons, then preemption's (pkg/scheduler/framework/types.go, FitError.Error).
    expect(podScheduled(p)?.reason).toBe('Unschedulable');
    const first = `0/1 nodes are available: ${why}.`;
    expect(podScheduled(p)?.message?.slice(0, first.length)).toBe(first);
    expect(p.status?.phase).toBe('Pending');
    expect(p.spec?.nodeName).toBeUndefined();
  };

  let nodeUp = false;
  beforeAll(async () => {
    const started = Date.now();
    // Each step says when it is done, so a start that outlasts the hook shows where it stopped.
    const done = (what: string) => console.log(`${what} at ${Date.now() - started} ms`);
    await Promise.all([
      apis.start(['host']).then(([h]) => {
        host = h;
        done('API server up');
      }),
      temporal.start().then(() => done('dev server up')),
    ]);
    kube = new Kube(host.kc);
    // The node lifecycle controller lifts the not-ready taint the API server puts on a new Node
    // (plugin/pkg/admission/nodetaint/admission.go, addNotReadyTaint) once the node is Ready, which the
    // scheduler waits for (pkg/controller/nodelifecycle/node_lifecycle_controller.go,
    // doNoScheduleTaintingPass); the taint-eviction controller, which would evict on NoExecute taints, does not run.
    kcm = startControllerManager(host, dir, ['disruption-controller', 'node-lifecycle-controller']);
    scheduler = startScheduler(host, dir);
    node = new RealNode({ name: NODE, cluster: host });
    const nodeStarted = node.start();

    clientConnection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection: clientConnection, namespace: 'default' });
    connection = await NativeConnection.connect({ address: temporal.address });
    workers = await vfLeaseWorkers(connection, { node: NODE, dpuQueue: dpuTaskQueue(POOL.dpu) });
    running = Promise.all(workers.map((w) => w.run()));
    done('workers running');

    const tree = createSysfsTree(sysfsRoot, { pfs: [{ pciAddress: PF, totalVfs: 4, ifname: 'enp3s0f0' }] });
    pfOperstate = path.join(tree.deviceDir(PF), 'net', 'enp3s0f0', 'operstate');
    fs.writeFileSync(pfOperstate, 'up\n');
    kernel = startSimKernel(sysfsRoot, { persistent: false });
    await setNumVfs(sysfsRoot, PF, 2);
    vfs = [tree.vfAddress(PF, 0), tree.vfAddress(PF, 1)];
    done('VFs made');
    await nodeStarted;
    nodeUp = true;
    console.log(
      `real node up in ${Date.now() - started} ms (${Object.entries(node.startTimings)
        .map(([k, v]) => `${k} ${v} ms`)
        .join(', ')})`,
    );
  });

  afterAll(async () => {
    if (!nodeUp)
      console.log(
        `the real node did not come up; its start steps done: ${JSON.stringify(node?.startTimings)}`,
      );
    await tearDown('the real-node tests', [
      ['the device plugin', () => plugin?.stop()],
      ['the real node', () => node?.stop()],
      ['the simulated kernel', () => kernel?.stop()],
      [
        'the workers',
        async () => {
          workers.forEach((w) => w.shutdown());
          await running;
        },
      ],
      ['the worker connection', () => connection?.close()],
      ['the client connection', () => clientConnection?.close()],
      ['the dev server', () => temporal.dispose()],
      ['the controller manager', () => kcm?.stop()],
      ['the scheduler', () => scheduler?.stop()],
      ['the API server', () => apis.stop()],
      ['the test folder', () => fs.rmSync(dir, { recursive: true, force: true })],
    ]);
  });

  test('the device plugin registers with the kubelet: the node offers the pool, the scheduler places a pod asking for it, the kubelet admits it and it sees the VF Allocate leased', async () => {
    plugin = await startPlugin();
    expect(plugin.registrations()).toBe(1);
    await awaitPool({ capacity: '2', allocatable: '2' }, 'after registration and the first ListAndWatch');

    // The kubelet calls Allocate at admission and passes its env to the container
    // (kubernetes/kubernetes v1.36.3, pkg/kubelet/cm/devicemanager/manager.go,
    // allocateContainerResources and GetDeviceRunContainerOptions); the container
    // writes it to its termination message, which the kubelet puts in the pod status.
    const env = pciEnvName(RESOURCE);
    // The pod names no node: the scheduler's NodeResourcesFit finds the pool in the node's allocatable.
    await kube.core.createNamespacedPod({
      namespace: NS,
      body: toSchedule(
        busyboxPod('vf-user', `printf %s "$${env}" > /dev/termination-log`, { [RESOURCE]: '1' }),
      ),
    });
    const done = await awaitPod('vf-user', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    expect(done.spec?.nodeName).toBe(NODE);
    const vf = done.status?.containerStatuses?.[0]?.state?.terminated?.message;
    expect(vfs).toContain(vf);
    const lease = await client.workflow.getHandle(vfLeaseWorkflowId(NODE, vf!)).describe();
    expect(lease.status.name).toBe('RUNNING');

    // More than the node has: the kubelet's admission asks the device manager to allocate, which refuses
    // (pkg/kubelet/lifecycle/predicate.go, Admit: pluginResourceUpdateFunc's error is UnexpectedAdmissionError;
    // pkg/kubelet/cm/devicemanager/manager.go, devicesToAllocate), and no container runs.
    await kube.core.createNamespacedPod({
      namespace: NS,
      body: busyboxPod('too-many', 'true', { [RESOURCE]: '3' }),
    });
    const refused = await awaitPod('too-many', 'Failed', (p) => p.status?.phase === 'Failed');
    expect(refused.status?.reason).toBe('UnexpectedAdmissionError');
    expect(refused.status?.message).toContain(
      `requested number of devices unavailable for ${RESOURCE}. Requested: 3, Available: 2`,
    );
    expect(refused.status?.containerStatuses ?? []).toEqual([]);

    // Naming no node, the same pod never reaches the kubelet: the scheduler finds too little of the pool
    // allocatable (pkg/scheduler/framework/plugins/noderesources/fit.go, "Insufficient <resource>").
    await kube.core.createNamespacedPod({
      namespace: NS,
      body: toSchedule(busyboxPod('too-many-unplaced', 'true', { [RESOURCE]: '3' })),
    });
    await awaitUnschedulable('too-many-unplaced', `1 Insufficient ${RESOURCE}`);
    await kube.core.deleteNamespacedPod({ namespace: NS, name: 'too-many-unplaced' });
  });

  test('a VF going unhealthy lowers allocatable, not capacity; healthy again raises it', async () => {
    fs.writeFileSync(pfOperstate, 'down\n');
    await awaitPool({ capacity: '2', allocatable: '0' }, 'PF link down: both VFs Unhealthy');
    fs.writeFileSync(pfOperstate, 'up\n');
    await awaitPool({ capacity: '2', allocatable: '2' }, 'PF link up again');
  });

  test('the plugin restarting: allocatable drops while it is gone and comes back when it registers again', async () => {
    // A plugin whose ListAndWatch stream ends has its devices marked unhealthy (pkg/kubelet/cm/devicemanager/
    // manager.go, PluginDisconnected), kept in capacity for endpointStopGracePeriod (5 min, types.go).
    await plugin!.stop();
    await awaitPool({ capacity: '2', allocatable: '0' }, 'plugin stopped');
    plugin = await startPlugin();
    expect(plugin.registrations()).toBe(1);
    await awaitPool({ capacity: '2', allocatable: '2' }, 'plugin registered again');
  });

  test('the kubelet restarting: the plugin sees its socket go and registers again', async () => {
    // On start the kubelet empties the device plugin folder (pkg/kubelet/cm/devicemanager/plugin/v1beta1/
    // server.go, Start: CleanupPluginDirectory), removing the plugin's socket.
    const before = plugin!.registrations();
    await node.restartKubelet();
    await waitFor(
      `the device plugin to register with the restarted kubelet`,
      () => plugin!.registrations() > before,
      {
        timeoutMs: 60_000,
        explain: () => node.log('kubelet'),
      },
    );
    await awaitPool({ capacity: '2', allocatable: '2' }, 'after the kubelet restart');
  });

  test('the DMS pod runs on the node and goes Ready through its own readiness probe', async () => {
    // DPF's layout with the test image standing in for the DMS image: the init containers write
    // dms.conf into the shared emptyDir as dms-init does, the main container serves TCP on the
    // DMS port (busybox httpd for dmsd); the readiness probe is the pod spec's own (tcpSocket).
    const port = await freePort();
    const layout: DmsPodLayout = {
      ...DPF_DMS_POD_LAYOUT,
      image: TEST_IMAGE,
      imagePullPolicy: 'Never',
      command: ['/bin/sh', '-c', '--'],
      // Exits on SIGTERM (a shell as PID 1 has no default TERM action), so the pod goes at once when removed.
      args: ["trap 'exit 0' TERM; httpd -f -p $(cat /opt/dpf/dms/dms.conf) & wait"],
      initContainers: [
        { name: 'rshim-preflight', args: ['test -d /sys/class && test -d /dev'], mounts: ['sys', 'dev'] },
        {
          name: 'dms-init',
          args: ['echo {port} > /opt/dpf/dms/dms.conf'],
          mounts: ['sys', 'dev', 'dms-config'],
        },
      ],
      // No /lib/modules on this machine; dms-lib in the test's folder, not the host's /var/lib.
      mounts: ['bfb', 'dev', 'dms-config', 'dms-lib'],
      volumes: DPF_DMS_POD_LAYOUT.volumes
        .filter((v) => v.name !== 'lib-modules')
        .map((v) =>
          v.name === 'dms-lib'
            ? { ...v, hostPath: { path: path.join(dir, 'dms-lib'), type: 'DirectoryOrCreate' } }
            : v,
        ),
    };
    await kube.core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: { name: `${NODE}-server-secret`, namespace: NS },
        stringData: { 'tls.crt': 'test', 'tls.key': 'test' },
      },
    });
    const dms = dmsDeploymentActivities(() => kube, layout);
    const dpu = { name: 'dpu-1', namespace: NS };
    const env = new MockActivityEnvironment();
    const name: string = await env.run(dms.deployDmsPod, {
      dpu,
      node: NODE,
      pciAddress: PF,
      port,
      image: '',
    });
    await env.run(dms.awaitDmsPodReady, { namespace: NS, pod: name, node: NODE, timeoutSeconds: 60 });
    const ready = (await pod(name))!;
    expect(ready.spec?.containers[0].readinessProbe).toMatchObject({ tcpSocket: { port }, periodSeconds: 2 });
    expect(ready.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.exitCode])).toEqual([
      ['rshim-preflight', 0],
      ['dms-init', 0],
    ]);
    await env.run(dms.removeDmsPod, { namespace: NS, pod: name });
    await awaitGone(name, 'deleted once the kubelet has stopped it');
  });

  test("xpuflow's drain evicts real pods; the kubelet sends SIGTERM and kills at the pod's grace period", async () => {
    // Each pod says it is Ready (an exec probe) once its TERM trap is set.
    const ready = { readinessProbe: { exec: { command: ['test', '-f', '/tmp/trapped'] }, periodSeconds: 1 } };
    // Ignores SIGTERM: runs until the kubelet kills it when its 4 s grace period is over.
    await kube.core.createNamespacedPod({
      namespace: NS,
      body: busyboxPod(
        'stubborn',
        "trap '' TERM; touch /tmp/trapped; while :; do sleep 1; done",
        undefined,
        ready,
        4,
      ),
    });
    // Exits on SIGTERM: gone long before its 60 s grace period.
    await kube.core.createNamespacedPod({
      namespace: NS,
      body: busyboxPod(
        'polite',
        "trap 'exit 0' TERM; touch /tmp/trapped; while :; do sleep 1; done",
        undefined,
        ready,
        60,
      ),
    });
    const isReady = (p: k8s.V1Pod) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    await Promise.all([awaitPod('stubborn', 'Ready', isReady), awaitPod('polite', 'Ready', isReady)]);

    const evictedAt = Date.now();
    const goneAfter = (name: string) =>
      awaitGone(name, 'evicted and deleted').then(() => Date.now() - evictedAt);
    const gone = Promise.all([goneAfter('stubborn'), goneAfter('polite')]);
    // The kubelet stops a pod being deleted with its DeletionGracePeriodSeconds (the pod's own, as the
    // Eviction gives none): SIGTERM, then SIGKILL when it is over (pkg/kubelet/kuberuntime/
    // kuberuntime_container.go, killContainer and setTerminationGracePeriod), then deletes the object (pkg/kubelet/status/status_manager.go).
    const evicted = await new MockActivityEnvironment().run(drain, kube, NODE, 60);
    const [stubborn, polite] = await gone;
    expect(evicted).toBe(2);
    expect(stubborn).toBeGreaterThanOrEqual(4_000);
    expect(stubborn).toBeLessThan(30_000);
    expect(polite).toBeLessThan(20_000);
  });

  // What the provisioning workflow asks of the node while its DPU is down (workflows/dpu/phases/node-effect.ts):
  // cordon and drain; at Ready it undoes it (workflows/dpu/provision-dpu.ts, removeNodeEffect).
  const nodeEffect = (timeoutSeconds: number): NodeEffectInput => ({
    node: NODE,
    dpu: 'dpu-1',
    effect: { drain: { timeoutSeconds } },
  });
  const effects = () => nodeEffectActivities(() => kube);

  test('a PodDisruptionBudget holds the drain, which keeps asking and says why; relaxed, the pod goes after its grace period', async () => {
    // Ignores SIGTERM: the kubelet kills it when its 3 s grace period is over; Ready once its trap is set.
    await kube.core.createNamespacedPod({
      namespace: NS,
      body: {
        ...busyboxPod(
          'guarded',
          "trap '' TERM; touch /tmp/trapped; while :; do sleep 1; done",
          undefined,
          { readinessProbe: { exec: { command: ['test', '-f', '/tmp/trapped'] }, periodSeconds: 1 } },
          3,
        ),
        metadata: { name: 'guarded', namespace: NS, labels: { app: 'guarded' } },
      },
    });
    // minAvailable equal to the pods' count (an integer, so the disruption controller counts the pods
    // themselves and needs no owning controller: pkg/controller/disruption/disruption.go, getExpectedPodCount).
    await kube.policy.createNamespacedPodDisruptionBudget({
      namespace: NS,
      body: {
        metadata: { name: 'guarded', namespace: NS },
        spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } },
      },
    });
    const pdb = () => kube.policy.readNamespacedPodDisruptionBudget({ namespace: NS, name: 'guarded' });
    const pdbSettled = (allowed: number, why: string) =>
      waitFor(
        `PodDisruptionBudget guarded to allow ${allowed} disruptions (${why})`,
        async () => {
          const b = await pdb();
          return b.status?.observedGeneration === b.metadata?.generation &&
            b.status?.currentHealthy === 1 &&
            b.status?.disruptionsAllowed === allowed
            ? b
            : undefined;
        },
        {
          timeoutMs: 30_000,
          everyMs: 200,
          explain: async () => `status ${JSON.stringify((await pdb()).status)}; ${kcm!.log()}`,
        },
      );
    await pdbSettled(0, 'the one pod Ready, minAvailable 1');

    // The eviction API refuses with 429 while status.disruptionsAllowed is 0 (kubernetes/kubernetes v1.36.3,
    // pkg/registry/core/pod/storage/eviction.go, checkAndDecrement); the drain heartbeats the refusal each
    // round, asks again, and at its timeout fails naming the pod and the refusal.
    const held = new MockActivityEnvironment();
    const heartbeats: { seen?: string; blocked?: string[] }[] = [];
    held.on('heartbeat', (d: { seen?: string; blocked?: string[] }) => heartbeats.push(d));
    const refusal = `${NS}/guarded (eviction refused: Cannot evict pod as it would violate the pod's disruption budget.`;
    await expect(held.run(effects().applyNodeEffect, nodeEffect(3))).rejects.toMatchObject({
      type: 'DrainTimeout',
      message: expect.stringContaining(refusal),
    });
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    for (const h of heartbeats) {
      expect(h.seen).toContain(refusal);
      expect(h.blocked).toEqual([`${NS}/guarded`]);
    }
    expect((await pod('guarded'))?.metadata?.deletionTimestamp).toBeUndefined();
    expect((await kube.core.readNode({ name: NODE })).spec?.unschedulable).toBe(true);

    // Relaxed: the controller sees the new generation and allows one; the drain (run again, as the
    // workflow's retry of the phase would) evicts, and the kubelet kills the pod at its grace period.
    await kube.policy.patchNamespacedPodDisruptionBudget(
      { namespace: NS, name: 'guarded', body: { spec: { minAvailable: 0 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await pdbSettled(1, 'relaxed to minAvailable 0');
    const relaxedAt = Date.now();
    let grace: number | undefined;
    const gone = waitFor(
      'pod guarded evicted and deleted',
      async () => {
        const p = await pod('guarded');
        grace ??= p?.metadata?.deletionGracePeriodSeconds;
        return p === undefined;
      },
      {
        timeoutMs: 30_000,
        everyMs: 100,
        explain: async () => `pod: ${JSON.stringify(await pod('guarded'))}`,
      },
    ).then(() => Date.now() - relaxedAt);
    const done = await new MockActivityEnvironment().run(effects().applyNodeEffect, nodeEffect(30));
    expect(done).toBe(`drained ${NODE} (1 pods evicted)`);
    const after = await gone;
    expect(grace).toBe(3);
    expect(after).toBeGreaterThanOrEqual(3_000);
    expect(after).toBeLessThan(20_000);
    await kube.policy.deleteNamespacedPodDisruptionBudget({ namespace: NS, name: 'guarded' });
  });

  test('the uncordon at Ready: the scheduler, which kept a new pod off the cordoned node, places it there and it runs', async () => {
    const cordoned = await kube.core.readNode({ name: NODE });
    expect(cordoned.spec?.unschedulable).toBe(true);
    expect(cordoned.metadata?.annotations?.['provisioning.xpuflow.dev/cordoned-by']).toBe('dpu-1');

    // Cordoned: the scheduler's NodeUnschedulable filter refuses the node
    // (pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go, ErrReasonUnschedulable).
    await kube.core.createNamespacedPod({
      namespace: NS,
      body: toSchedule(busyboxPod('after-ready', 'echo ran > /dev/termination-log')),
    });
    await awaitUnschedulable('after-ready', '1 node(s) were unschedulable');

    const undone = await new MockActivityEnvironment().run(effects().removeNodeEffect, nodeEffect(30));
    expect(undone).toBe(`uncordoned ${NODE}`);
    const n = await kube.core.readNode({ name: NODE });
    expect(n.spec?.unschedulable).toBeFalsy();
    expect(n.metadata?.annotations?.['provisioning.xpuflow.dev/cordoned-by']).toBeUndefined();
    expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

    // The node's change requeues the refused pod (the plugin's queueing hint on a Node update); the
    // scheduler binds it to the node and the kubelet runs it.
    const ran = await awaitPod('after-ready', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    expect(ran.spec?.nodeName).toBe(NODE);
    expect(podScheduled(ran)?.status).toBe('True');
    expect(ran.status?.containerStatuses?.[0]?.state?.terminated?.message).toBe('ran\n');
  });

  test('stopping the node leaves no process, mount, pod cgroup or kubelet file behind, even what containerd could not stop', async () => {
    const nodeDir = node.dir;
    // What a task delete that failed leaves ("ttrpc: closed": its shim went mid-delete): a process still
    // in a pod's cgroup, and a shim naming the node's folder that outlives containerd.
    await kube.core.createNamespacedPod({
      namespace: NS,
      body: busyboxPod('left-behind', 'while :; do sleep 1; done'),
    });
    const running = await awaitPod('left-behind', 'Running', (p) => p.status?.phase === 'Running');
    const podCgroup = `/sys/fs/cgroup/pids/kubepods/besteffort/pod${running.metadata!.uid}`;
    expect(fs.existsSync(podCgroup)).toBe(true);
    const inPod = spawn('sleep', ['600']);
    fs.writeFileSync(path.join(podCgroup, 'cgroup.procs'), `${inPod.pid}\n`);
    const shim = spawn('sh', ['-c', 'sleep 600', path.join(nodeDir, 'containerd.sock')]);
    const gone = (p: ReturnType<typeof spawn>) =>
      p.exitCode !== null || p.signalCode !== null
        ? Promise.resolve()
        : new Promise((r) => p.once('exit', r));
    await node.stop();
    await Promise.all([gone(inPod), gone(shim)]);
    expect([inPod.signalCode, shim.signalCode]).toEqual(['SIGKILL', 'SIGKILL']);
    const processes = processesNaming(nodeDir);
    expect(processes).toEqual([]);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(nodeDir);
    expect(
      fs.readdirSync('/sys/fs/cgroup').filter((c) => fs.existsSync(`/sys/fs/cgroup/${c}/kubepods`)),
    ).toEqual([]);
    expect(fs.existsSync(nodeDir)).toBe(false);
    // Only the plugin's own socket is left in the kubelet's folder (the plugin stops in afterAll).
    expect(fs.readdirSync(DEVICE_PLUGIN_DIR)).toEqual([path.basename(plugin!.socketPath)]);
  });
});
