/**
 * DMS Deployment: the DMS pod on the host node, Ready, and DMS answering on
 * its gNOI port. Undone by deleting the pod, only if it is this DPU's (its
 * owner reference carries the DPU's UID: activities/kube/dms-deployment.ts):
 * a pod of the same name that another DPU object or a person left is not
 * touched.
 */
import { dmsPodName } from '../../../model/dpu';
import { Phase } from '../../../model/phases';
import type { UndoablePhase } from '../context';
import { dmsCalls, kubeCalls, kubeWaits } from '../proxies';
import { skippedWithoutCluster } from './skipped-without-cluster';

export const dmsDeployment: UndoablePhase = {
  phase: Phase.DmsDeployment,
  async run(ctx) {
    const { spec } = ctx;
    const k = spec.kube;
    if (!k) return skippedWithoutCluster();
    const timeoutSeconds = k.readyTimeoutSeconds ?? 600;
    const pod = await kubeCalls.deployDmsPod({
      dpu: k.ref,
      node: spec.node,
      pciAddress: spec.pciAddress,
      port: k.dmsPort,
      image: k.dmsImage,
      address: spec.dmsAddress,
    });
    ctx.undo.add(dmsDeployment.undo(ctx));
    ctx.book.waitFor(`DMS pod ${pod} on ${spec.node} to be Ready`);
    await kubeWaits(timeoutSeconds).awaitDmsPodReady({
      namespace: k.ref.namespace,
      pod,
      node: spec.node,
      timeoutSeconds,
    });
    ctx.book.waitFor(undefined);
    const v = await dmsCalls.dmsVerify({ dpu: spec.name, address: spec.dmsAddress });
    return {
      done: `DMS pod ${pod} Ready on ${spec.node}; DMS at ${spec.dmsAddress} answers (running ${v.version || 'no OS yet'})`,
    };
  },
  undo({ spec, kube = kubeCalls }) {
    if (!spec.kube) return undefined;
    const dpu = spec.kube.ref;
    const pod = dmsPodName(dpu.name); // the name deployDmsPod gives it, in the DPU's namespace
    return {
      describe: `delete DMS pod ${dpu.namespace}/${pod}`,
      run: async () => {
        await kube.removeDmsPod({ namespace: dpu.namespace, pod, dpu });
      },
    };
  },
};
