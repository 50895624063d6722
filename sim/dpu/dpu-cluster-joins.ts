/**
 * A test DPU cluster that DPUs can join as on a kubeadm cluster: the objects
 * `kubeadm init` makes for joining (sim/kube/kubeadm-bootstrap.ts), the real
 * kube-controller-manager approving and signing node CSRs
 * (sim/kube/controller-manager.ts), and the simulated DPUs joining with the
 * bf.cfg DMS flashed them with (join.ts).
 */
import type { DmsSimulator } from '../dms';
import { setUpKubeadmBootstrap } from '../kube/kubeadm-bootstrap';
import { startControllerManager } from '../kube/controller-manager';
import type { KubeCluster } from '../kube/apiservers';
import { playDpuJoins, type DpuJoinState, type JoinRefusals } from './join';

export interface DpuClusterJoins {
  readonly outcomes: Map<string, DpuJoinState>;
  /** Every refused join attempt so far, by step (join.ts). */
  readonly refusals: JoinRefusals;
  controllerManagerLog(): string;
  stop(): Promise<void>;
}

export async function startDpuClusterJoins(
  cluster: KubeCluster,
  dir: string,
  sims: () => DmsSimulator[],
  opts: { retryMs?: number } = {},
): Promise<DpuClusterJoins> {
  await setUpKubeadmBootstrap(cluster);
  const kcm = startControllerManager(cluster, dir);
  const joins = playDpuJoins(sims, opts);
  return {
    outcomes: joins.outcomes,
    refusals: joins.refusals,
    controllerManagerLog: kcm.log,
    stop: async () => {
      joins.stop();
      await kcm.stop();
    },
  };
}
