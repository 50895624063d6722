/**
 * A host of the Kubernetes end-to-end harness (kube-harness.ts) that is a real
 * node: a kubelet and containerd (test/support/real-node.ts) register the
 * host's Node themselves, run the pods bound to it and honour their grace
 * periods when they are evicted, instead of the harness playing its kubelet.
 * Its InternalIP is the machine's own (the kubelet refuses a loopback node IP:
 * kubernetes/kubernetes v1.36.3, pkg/kubelet/kubelet_node_status.go,
 * validateNodeIP), not the loopback address the host's DMS simulator listens
 * on, so a DPU on it gets no further than the phases before DMS.
 *
 * One real node runs on the machine at a time: RealNode.start() waits for the
 * `real-kubelet` lock (test/support/exclusive-lock.ts), held until stop().
 */
import type { KubeCluster } from '../../sim/kube';
import { RealNode } from '../support/real-node';

export async function startRealHostNode(cluster: KubeCluster, name: string): Promise<RealNode> {
  const node = new RealNode({ name, cluster });
  try {
    await node.start();
  } catch (err) {
    // The start's failure is the one to read: a stop that fails too is added to it, not put in its place.
    await node.stop().catch((stopErr: unknown) => {
      throw new Error(`${String(err)}; stopping the node then failed too: ${String(stopErr)}`, {
        cause: err,
      });
    });
    throw err;
  }
  return node;
}
