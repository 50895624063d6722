/**
 * DMS Deployment: the DMS pod on the host node; ready when the kubelet says
 * so and DMS answers a Verify.
 */
import type { FlowContext, PhaseOutcome } from '../context';
import { dms, kube, kubeWait } from '../proxies';
import { skippedWithoutCluster } from './skipped-without-cluster';

export async function dmsDeployment(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec } = ctx;
  const k = spec.kube;
  if (!k) return skippedWithoutCluster();
  const timeoutSeconds = k.readyTimeoutSeconds ?? 600;
  const pod = await kube.deployDmsPod({
    dpu: k.ref,
    node: spec.node,
    pciAddress: spec.pciAddress,
    port: k.dmsPort,
    image: k.dmsImage,
  });
  ctx.undo.add({
    describe: `delete DMS pod ${k.ref.namespace}/${pod}`,
    run: async () => {
      await kube.removeDmsPod({ namespace: k.ref.namespace, pod });
    },
  });
  ctx.book.waitFor(`DMS pod ${pod} on ${spec.node} to be Ready`);
  await kubeWait(timeoutSeconds).awaitDmsPodReady({
    namespace: k.ref.namespace,
    pod,
    node: spec.node,
    timeoutSeconds,
  });
  ctx.book.waitFor(undefined);
  const v = await dms.dmsVerify({ dpu: spec.name, address: spec.dmsAddress });
  return {
    done: `DMS pod ${pod} Ready on ${spec.node}; DMS at ${spec.dmsAddress} answers (running ${v.version || 'no OS yet'})`,
  };
}
