/**
 * DMS Deployment: the DMS pod (gNOI OS/System server for one DPU) on the host
 * node, host network, on the DPU's DMS port, laid out as the chart's `dms:`
 * values say (model/dms-pod.ts; NVIDIA DPF's layout by default). Ready when
 * the kubelet says the pod is Ready; the phase then checks that DMS answers.
 *
 * A pod is the DPU's when its DPU owner reference carries the DPU object's
 * UID (for a DPU without a UID: xpuflow's DMS labels with the DPU's name).
 * Only such a pod is used, and only such a pod is deleted: a pod of the same
 * name left by another DPU object of this name, or not made by xpuflow, is
 * named in the error and left alone.
 */
import type * as k8s from '@kubernetes/client-node';
import { isConflict, isNotFound, type Kube } from '../../platform/kube/client';
import { dmsPodName } from '../../model/dpu';
import { DPF_DMS_POD_LAYOUT, dmsPodSpec, type DmsPodLayout } from '../../model/dms-pod';
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import { waitUntil } from '../wait-until';
import { podTarget, watchedWake, WatchedObject } from './object-watch';
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

const DMS_APP_LABEL = 'xpuflow-dms';

/**
 * Between two looks at the DMS pod when no watch event came: a watch on the
 * pod wakes the wait at each change, so it ends as the kubelet reports it
 * Ready; the looks are the backstop for a closed or refused watch.
 */
export const POD_LOOK_SECONDS = 5;
const DPU_LABEL = `${GROUP}/dpu`;

/** Whether `pod` is the DMS pod of DPU `dpu` (see the file comment). */
export function isDmsPodOf(pod: k8s.V1Pod, dpu: ObjectRef): boolean {
  if (dpu.uid)
    return (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DPU' && o.uid === dpu.uid);
  const labels = pod.metadata?.labels ?? {};
  return labels['app.kubernetes.io/name'] === DMS_APP_LABEL && labels[DPU_LABEL] === dpu.name;
}

/** Who a pod that is not `dpu`'s belongs to, in words. */
function ownerInWords(pod: k8s.V1Pod): string {
  const owner = (pod.metadata?.ownerReferences ?? []).find((o) => o.kind === 'DPU');
  if (owner) return `it belongs to another DPU object named ${owner.name} (uid ${owner.uid})`;
  if (pod.metadata?.labels?.['app.kubernetes.io/name'] === DMS_APP_LABEL)
    return `xpuflow made it for DPU ${pod.metadata.labels[DPU_LABEL] ?? '(unnamed)'}, and no DPU object owns it`;
  return 'xpuflow did not make it';
}

/** The pod's phase and, when the scheduler gave one, why it has no node. */
function podStateInWords(pod: k8s.V1Pod): string {
  // The scheduler says why a pod has no node in its PodScheduled condition (reason Unschedulable):
  // kubernetes/kubernetes pkg/scheduler/schedule_one.go, handleSchedulingFailure, commit
  // 4a37f009ca615534484b1116d0f147f1f23cf067.
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return unscheduled
    ? `${pod.status?.phase ?? 'Pending'}, not scheduled: ${unscheduled.message ?? unscheduled.reason ?? 'no reason given'}`
    : `${pod.status?.phase ?? 'Pending'}${pod.status?.message ? `: ${pod.status.message}` : ''}`;
}

/**
 * The refusal of a DMS pod name another pod holds. Retryable while that pod
 * is going (being deleted, or owned by another DPU object of this name, which
 * the garbage collector removes with its owner); otherwise the operator
 * decides, so not retried.
 */
function nameTaken(pod: k8s.V1Pod, dpu: ObjectRef): ApplicationFailure {
  const where = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  const going =
    pod.metadata?.deletionTimestamp !== undefined ||
    (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DPU');
  const message =
    `pod ${where} (${podStateInWords(pod)}) holds the name of DPU ${dpu.namespace}/${dpu.name}'s DMS pod, ` +
    `but ${ownerInWords(pod)}: xpuflow neither uses nor deletes it. ` +
    (going
      ? 'Waiting for it to go'
      : `Delete it if it is stale (kubectl delete pod -n ${pod.metadata?.namespace} ${pod.metadata?.name}), then retry the DPU`);
  return going
    ? ApplicationFailure.retryable(message, 'DmsPodNameTaken')
    : ApplicationFailure.nonRetryable(message, 'DmsPodNameTaken');
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
              labels: { 'app.kubernetes.io/name': DMS_APP_LABEL, [DPU_LABEL]: input.dpu.name },
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
        // A pod of this name exists: this DPU's (made by an earlier attempt or run), or another's.
        const existing = await kube().getPod(input.dpu.namespace, name);
        if (!existing) {
          throw ApplicationFailure.retryable(
            `pod ${input.dpu.namespace}/${name} was there when the DMS pod was created, and is gone now: creating it again`,
            'DmsPodNameTaken',
          );
        }
        if (!isDmsPodOf(existing, input.dpu)) throw nameTaken(existing, input.dpu);
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
      const what = `DMS pod ${input.namespace}/${input.pod} on node ${input.node} to be Ready`;
      const watched = new WatchedObject<k8s.V1Pod>();
      await waitUntil({
        what,
        timeoutSeconds: input.timeoutSeconds,
        pollSeconds: POD_LOOK_SECONDS,
        // Woken at each change of the pod (scheduled, containers started, Ready) rather than at the next
        // look, which reads the pod the watch delivered.
        wakeOn: watchedWake(kube(), podTarget(input.namespace, input.pod), watched, (message) =>
          log.warn(`${what}: ${message}`),
        ),
        failureType: 'DmsPodNotReady',
        hint: `check the kubelet on ${input.node} and the pod's events`,
        look: async () => {
          const pod = await watched.read(() => kube().getPod(input.namespace, input.pod));
          if (!pod) return { seen: 'not created', details: { pod: input.pod } };
          if (pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True')
            return { done: undefined };
          return { seen: podStateInWords(pod), details: { pod: input.pod } };
        },
      });
    },

    /**
     * Deletes the DMS pod of `dpu`, and only it: a pod of the name that is not
     * the DPU's is left alone, and the delete carries the pod's UID as a
     * precondition, so a pod re-created under the name between the read and
     * the delete is not the one deleted (the API server answers 409). Says
     * what it did. Without `dpu` (a task scheduled before it was passed) it
     * deletes by name, as it used to.
     */
    async removeDmsPod(input: { namespace: string; pod: string; dpu?: ObjectRef }): Promise<string> {
      const where = `${input.namespace}/${input.pod}`;
      if (!input.dpu) {
        await kube().deletePod(input.namespace, input.pod);
        return `deleted DMS pod ${where} by name`;
      }
      const pod = await kube().getPod(input.namespace, input.pod);
      if (!pod) return `DMS pod ${where} already gone`;
      if (!isDmsPodOf(pod, input.dpu)) return `left pod ${where} alone: ${ownerInWords(pod)}`;
      try {
        await kube().core.deleteNamespacedPod({
          namespace: input.namespace,
          name: input.pod,
          body: { preconditions: { uid: pod.metadata?.uid } },
        });
      } catch (err) {
        if (isNotFound(err)) return `DMS pod ${where} already gone`;
        if (isConflict(err))
          return `left pod ${where} alone: it was replaced (uid no longer ${pod.metadata?.uid})`;
        throw err;
      }
      return `deleted DMS pod ${where} (uid ${pod.metadata?.uid})`;
    },
  };
}
