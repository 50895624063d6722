/**
 * The VF attach stack the VF benchmarks run against, as a node has it: a
 * private dev server, the control, DPU and host workers as processes (the
 * host worker serving the host agent socket and the device plugin), the
 * sysfs simulator with real veth "VFs", one real netns per VF for pods, a
 * private OVS behind the OPI simulator and a kubelet peer. Needs root and
 * OVS; stop() removes everything it made.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { setNumVfs } from '../activities/sysfs';
import { waitForPollers } from '../platform/connection/pollers';
import { CONTROL_TASK_QUEUE, dpuTaskQueue, hostTaskQueue } from '../model/task-queues';
import { startKubeletSim, type KubeletSim } from '../sim/kubelet';
import { startOpiSim, type OpiSim } from '../sim/opi';
import { ovsUnavailable, startPrivateOvs } from '../sim/ovs';
import { createSysfsTree, startSimKernel } from '../sim/sysfs';
import {
  spawnControlWorker,
  spawnDpuWorkers,
  spawnHostWorkers,
  untilReady,
  type WorkerProcess,
} from '../cli/demo/worker-processes';
import type { PoolConfig } from '../node/deviceplugin/pool';
import { startBenchTemporal } from './temporal-dev-server';

const PF = '0000:af:00.0';

export interface VfStack {
  dir: string;
  client: Client;
  node: string;
  dpu: string;
  vlan: number;
  sysfsRoot: string;
  vfs: string[];
  /** netns names, one per VF (/var/run/netns/<name>). */
  pods: string[];
  /** The host agent's socket, which xpuflow-cni calls. */
  socket: string;
  resourceName: string;
  /** The host worker's pool (its selector picks this stack's VFs). */
  pool: PoolConfig;
  /** The kubelet's device-plugin folder. */
  devicePluginDir: string;
  kubelet: KubeletSim;
  opi: OpiSim;
  stop(): Promise<void>;
}

/** Why the stack cannot run here (not root, no OVS), or undefined. */
export function vfStackUnavailable(): string | undefined {
  return process.getuid?.() !== 0 ? 'needs root (netns, veth)' : ovsUnavailable();
}

export async function startVfStack(numVfs: number, prefix: string): Promise<VfStack> {
  const tag = crypto.randomBytes(2).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `xpuflow-${prefix}-`));
  const node = `bench-${tag}`;
  const dpu = `dpu-${tag}`;
  const vlan = 42;
  const pfIfname = `b${tag}p`;
  const sysfsRoot = path.join(dir, 'sys');
  const links: string[] = [];
  const netnses: string[] = [];
  const procs: WorkerProcess[] = [];
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const stop = async () => {
    const report = (what: string) => (err: unknown) =>
      console.error(`vf-stack cleanup: ${what} failed: ${String(err)}`);
    await Promise.all(procs.map((p) => p.stop(5000).catch(report('stopping a worker process'))));
    for (const ns of netnses) execFile('ip', ['netns', 'del', ns], () => undefined);
    for (const l of links) {
      try {
        execFileSync('ip', ['link', 'del', l], { stdio: 'ignore' });
      } catch {
        // gone with its peer
      }
    }
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(report('a cleanup step'));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const temporal = await startBenchTemporal(path.join(dir, 'temporal'));
    cleanups.push(() => temporal.stop());
    const env = { TEMPORAL_ADDRESS: temporal.address };
    const client = new Client({ connection: await Connection.connect({ address: env.TEMPORAL_ADDRESS }) });
    cleanups.push(() => client.connection.close());

    const tree = createSysfsTree(sysfsRoot, {
      pfs: [{ pciAddress: PF, totalVfs: numVfs, ifname: pfIfname }],
    });
    const kernel = startSimKernel(sysfsRoot, { persistent: false });
    cleanups.push(() => kernel.stop());
    await setNumVfs(sysfsRoot, PF, numVfs);
    const vfs = Array.from({ length: numVfs }, (_, k) => tree.vfAddress(PF, k));
    const pods = Array.from({ length: numVfs }, (_, k) => `xb${tag}-${k}`);
    for (let k = 0; k < numVfs; k++) {
      execFileSync('ip', [
        'link',
        'add',
        `${pfIfname}v${k}`,
        'type',
        'veth',
        'peer',
        'name',
        `${pfIfname}v${k}h`,
      ]);
      links.push(`${pfIfname}v${k}`, `${pfIfname}v${k}h`);
      execFileSync('ip', ['netns', 'add', pods[k]]);
      netnses.push(pods[k]);
    }
    const ovs = await startPrivateOvs(path.join(dir, 'ovs'));
    cleanups.push(() => ovs.stop());
    const opi = await startOpiSim({ ovs, bridge: `xbb${tag}`, portPrefix: `xbq${tag}` });
    cleanups.push(() => opi.stop());
    const pluginDir = path.join(dir, 'device-plugins');
    const kubelet = await startKubeletSim(pluginDir);
    cleanups.push(() => kubelet.stop());
    const socket = path.join(dir, 'hostagent.sock');
    const pool: PoolConfig = { name: `bench-${tag}`, dpu, vlan, selector: { pfNames: [pfIfname] } };
    const resourceName = `xpuflow.io/${pool.name}`;
    procs.push(
      spawnControlWorker({ bfbCacheDir: path.join(dir, 'bfb'), logFile: path.join(dir, 'control.log'), env }),
    );
    procs.push(
      spawnDpuWorkers({
        placements: [{ dpu, opiAddress: opi.address }],
        logFile: path.join(dir, 'dpu.log'),
        env,
      }),
    );
    procs.push(
      spawnHostWorkers({
        placements: [
          {
            node,
            sysfsRoot,
            vf: {
              stateDir: path.join(dir, 'state'),
              hostAgentSocket: socket,
              devicePluginDir: pluginDir,
              pools: [pool],
              pollIntervalMs: 1000,
            },
          },
        ],
        logFile: path.join(dir, 'host.log'),
        env,
      }),
    );
    // A worker that exits first is reported at once with the end of its log.
    await untilReady(procs, (signal) =>
      waitForPollers(
        client,
        [
          { taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' },
          { taskQueue: hostTaskQueue(node) },
          { taskQueue: dpuTaskQueue(dpu) },
        ],
        60_000,
        signal,
      ),
    );
    await kubelet.waitForPlugin(resourceName, (p) => p.devices.length === numVfs, 30_000);
    return {
      dir,
      client,
      node,
      dpu,
      vlan,
      sysfsRoot,
      vfs,
      pods,
      socket,
      resourceName,
      pool,
      devicePluginDir: pluginDir,
      kubelet,
      opi,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
