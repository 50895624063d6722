/**
 * What runs in a guest cluster, with its credentials only: the VFClaim
 * controller (controllers/guest-vf-claim-controller.ts) and the guest worker
 * (queue xpuflow-guest-<cluster>) that writes its claims' status and lets
 * their finalizers go. Nothing of the host's is needed: the host side is
 * reached only through the vfClaim workflow.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { guestVfClaimActivities } from '../../activities/kube';
import { guestVfClaimController } from '../../controllers/guest-vf-claim-controller';
import { guestTaskQueue } from '../../model/task-queues';
import { checkNodeName } from '../../model/validation';
import { Kube } from '../../platform/kube/client';
import { commonWorkerOptions, type WorkerConnectionOptions } from '../worker-options';

export interface GuestSideOptions extends WorkerConnectionOptions {
  kc: k8s.KubeConfig;
  temporal: Client;
  cluster: string;
  /** The guest cluster's namespace whose VFClaims are carried (`namespace` is Temporal's). */
  watchNamespace: string;
  log: (line: string) => void;
}

export interface GuestSide {
  /** Resolves when the worker has stopped (after stop()), rejects if it fails. */
  running: Promise<void>;
  stop(): Promise<void>;
}

/** A name usable in a task queue and a workflow ID: a DNS label, like a node name. */
export function checkGuestClusterName(cluster: string): string | undefined {
  return checkNodeName(cluster)
    ? `guest cluster name ${JSON.stringify(cluster)} must be a DNS name (lowercase letters, digits, - and .)`
    : undefined;
}

export async function startGuestSide(opts: GuestSideOptions): Promise<GuestSide> {
  const bad = checkGuestClusterName(opts.cluster);
  if (bad) throw new Error(bad);
  const worker = await Worker.create({
    ...commonWorkerOptions(opts, guestTaskQueue(opts.cluster), `guest-worker@${opts.cluster}`),
    activities: guestVfClaimActivities(new Kube(opts.kc)),
  });
  const running = worker.run();
  const controller = guestVfClaimController({ ...opts, namespace: opts.watchNamespace });
  try {
    await controller.start();
  } catch (err) {
    worker.shutdown();
    // The controller's failure is the one thrown; a worker that also failed is said beside it.
    await running.catch((runErr: unknown) =>
      console.error(`guest worker for cluster ${opts.cluster} failed while stopping: ${String(runErr)}`),
    );
    throw err;
  }
  return {
    running,
    async stop() {
      await controller.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
