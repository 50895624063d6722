/**
 * DMS Deployment: the DMS pod (gNOI OS/System server for one DPU) on the host
 * node, host network, on the DPU's DMS port, laid out as the chart's `dms:`
 * values say (model/dms-pod.ts; NVIDIA DPF's layout by default). Ready when
 * the kubelet says the pod is Ready; the phase then checks that DMS answers.
 */
import { isConflict, type Kube } from '../../platform/kube/client';
import { dmsPodName } from '../../model/dpu';
import { DPF_DMS_POD_LAYOUT, dmsPodSpec, type DmsPodLayout } from '../../model/dms-pod';
import { ApplicationFailure } from '@temporalio/common';
import { waitUntil } from '../wait-until';
import { API_VERSION, GROUP, type ObjectRef } from '../../model/resources/common';

export interface DmsPodInput {
  dpu: ObjectRef;
  node: string;
  pciAddress: string;
  port: number;
  /** The controller's DMS image; empty: the layout's. */
  image: string;
  /** DMS `<node IP>:<port>`; absent (runs started before it was passed): the node's InternalIP is read. */
  address?: string;
}

/** The node's IP DMS listens on: the host of `address`, or the node's InternalIP. */
async function nodeIpOf(kube: Kube, input: DmsPodInput): Promise<string> {
  const host = input.address?.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (host) return host;
  const node = await kube.getNode(input.node);
  const ip = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) {
    throw ApplicationFailure.nonRetryable(
      `node ${input.node} ${node ? 'reports no InternalIP' : 'does not exist'}: the DMS pod of DPU ${input.dpu.name} cannot be given an address to listen on`,
      'NodeAddressUnknown',
    );
  }
  return ip;
}

export function dmsDeploymentActivities(kube: () => Kube, layout: DmsPodLayout = DPF_DMS_POD_LAYOUT) {
  return {
    async deployDmsPod(input: DmsPodInput): Promise<string> {
      const name = dmsPodName(input.dpu.name);
      const nodeIP = await nodeIpOf(kube(), input);
      const spec = dmsPodSpec(layout, input.image || layout.image, {
        dpu: input.dpu.name,
        node: input.node,
        nodeIP,
        port: input.port,
        pciAddress: input.pciAddress,
      });
      try {
        await kube().core.createNamespacedPod({
          namespace: input.dpu.namespace,
          body: {
            metadata: {
              name,
              namespace: input.dpu.namespace,
              labels: { 'app.kubernetes.io/name': 'xpuflow-dms', [`${GROUP}/dpu`]: input.dpu.name },
              ...(input.dpu.uid
                ? {
                    ownerReferences: [
                      { apiVersion: API_VERSION, kind: 'DPU', name: input.dpu.name, uid: input.dpu.uid },
                    ],
                  }
                : {}),
            },
            spec,
          },
        });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      return name;
    },

    /** Waits for the kubelet to report the DMS pod Ready; heartbeats what it sees. */
    async awaitDmsPodReady(input: {
      namespace: string;
      pod: string;
      node: string;
      timeoutSeconds: number;
    }): Promise<void> {
      await waitUntil({
        what: `DMS pod ${input.namespace}/${input.pod} on node ${input.node} to be Ready`,
        timeoutSeconds: input.timeoutSeconds,
        failureType: 'DmsPodNotReady',
        hint: `check the kubelet on ${input.node} and the pod's events`,
        look: async () => {
          const pod = await kube().getPod(input.namespace, input.pod);
          if (!pod) return { seen: 'not created', details: { pod: input.pod } };
          if (pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True')
            return { done: undefined };
          // The scheduler says why a pod has no node in its PodScheduled condition (reason Unschedulable):
          // kubernetes/kubernetes pkg/scheduler/schedule_one.go, handleSchedulingFailure, commit
          // 4a37f009ca615534484b1116d0f147f1f23cf067.
          const unscheduled = pod.status?.conditions?.find(
            (c) => c.type === 'PodScheduled' && c.status === 'False',
          );
          const seen = unscheduled
            ? `${pod.status?.phase ?? 'Pending'}, not scheduled: ${unscheduled.message ?? unscheduled.reason ?? 'no reason given'}`
            : `${pod.status?.phase ?? 'Pending'}${pod.status?.message ? `: ${pod.status.message}` : ''}`;
          return { seen, details: { pod: input.pod } };
        },
      });
    },

    async removeDmsPod(input: { namespace: string; pod: string }): Promise<void> {
      await kube().deletePod(input.namespace, input.pod);
    },
  };
}
