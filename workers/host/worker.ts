/**
 * The host worker: one per host node, polling `xpuflow-host-<node>`. It does
 * the node-local work that only a process on that host can do: sysfs SR-IOV,
 * the netns moves of VF attach (CNI), vfio-pci binding and QMP hot-plug of VM
 * claims. It also runs the VF leases of its node (workflows/vf-lease), which
 * the device plugin and host agent start on this queue, so a CNI ADD's netns
 * move is a local activity of the lease's workflow task. Wiring only; the VF
 * attach services it hosts are in node/hostagent.
 */
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import * as path from 'node:path';
import { createNetdevActivities } from '../../activities/netdev';
import { createSysfsActivities } from '../../activities/sysfs';
import { createVmActivities, type VmClaimPool } from '../../activities/vfio';
import { hostTaskQueue } from '../../model/task-queues';
import { checkNodeName } from '../../model/validation';
import { commonWorkerOptions, type WorkerConnectionOptions } from '../worker-options';
import { HOST_WORKFLOW_BUNDLE, HOST_WORKFLOWS } from '../control/bundle-workflows';
import { workerBundleOptions } from '../workflow-bundle-options';

export interface HostWorkerOptions extends WorkerConnectionOptions {
  node: string;
  /** Root of sysfs: `/sys` on a real host, a simulator's tree in tests and the demo. */
  sysfsRoot: string;
  /** Where CNI ADD records live (the VF config's stateDir). Default /var/lib/xpuflow. */
  stateDir?: string;
  /** Where the VMs' QMP sockets are, `<qmpDir>/<vm>.qmp` (guest-cluster VFClaims). Default /run/xpuflow/qmp. */
  qmpDir?: string;
  /** The bundle of HOST_WORKFLOWS to run (tests pass one made once per run); default: as below. */
  workflowBundle?: { code: string };
  /** The VF config's pools: guest VFClaims may name one instead of a PF. */
  pools?: VmClaimPool[];
}

export async function createHostWorker(opts: HostWorkerOptions): Promise<Worker> {
  const bad = checkNodeName(opts.node);
  if (bad) throw new Error(bad);
  return Worker.create({
    ...commonWorkerOptions(opts, hostTaskQueue(opts.node), `host-worker@${opts.node}`),
    // The prebuilt bundle when the build made one (dist/), else bundle the sources now (tests).
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : fs.existsSync(HOST_WORKFLOW_BUNDLE) && __filename.endsWith('.js')
        ? { workflowBundle: { codePath: HOST_WORKFLOW_BUNDLE } }
        : workerBundleOptions(HOST_WORKFLOWS)),
    activities: {
      ...createSysfsActivities({ sysfsRoot: opts.sysfsRoot, node: opts.node }),
      // VF attach (CNI netns moves) and VM claims (vfio-pci, QMP hot-plug).
      ...createNetdevActivities({
        node: opts.node,
        sysfsRoot: opts.sysfsRoot,
        stateDir: path.join(opts.stateDir ?? '/var/lib/xpuflow', 'attach'),
      }),
      ...createVmActivities({
        node: opts.node,
        sysfsRoot: opts.sysfsRoot,
        stateDir: opts.stateDir,
        qmpDir: opts.qmpDir,
        pools: opts.pools,
      }),
    },
  });
}
