/**
 * The guest cluster's side of a VFClaim, run by the guest worker (the guest
 * controller's process, guest credentials only, queue xpuflow-guest-<cluster>):
 * the claim's status as the host reports it, and its finalizer let go once
 * the host has released the VF. Every call is bound to the claim's UID, so a
 * claim re-created under the same name is never written by the old run.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { releaseFinalizer } from './cluster-clients';
import type { Kube } from '../../platform/kube/client';
import type { VfClaimResource, VfClaimStatus } from '../../model/resources/vf-claim';
import { VF_CLAIM_FINALIZER, vfClaimReady } from '../../model/resources/vf-claim';
import { setCondition } from '../../model/resources/conditions';
import { vmNameProblem, type GuestClaimRef } from '../../model/vf-claim-api';

export function guestVfClaimActivities(kube: Kube) {
  return {
    /**
     * The VM a guest pod runs in: the guest node it is scheduled on
     * (spec.nodeName), whose name is its VM's. Harvester's guest clusters
     * name a node after its VM: "The Harvester virtual machine guests'
     * hostnames match their corresponding Harvester virtual machine names"
     * (harvester/docs docs/rancher/cloud-provider.md, Prerequisites,
     * @ 7a8a783143f72233375a089a69e60ecc6a07b16b), and the kubelet registers
     * the Node under its hostname. A pod missing or not scheduled, or a node
     * name no VM can have, fails for good naming the pod and the node.
     */
    async resolveGuestPodVm(req: {
      guest: GuestClaimRef;
      pod: string;
    }): Promise<{ vm: string; guestNode: string }> {
      const where = `pod ${req.guest.namespace}/${req.pod} of guest cluster ${req.guest.cluster}`;
      const pod = await kube.getPod(req.guest.namespace, req.pod);
      if (!pod)
        throw ApplicationFailure.nonRetryable(
          `${where} does not exist: fix spec.podName`,
          'GuestPodNotFound',
        );
      const guestNode = pod.spec?.nodeName;
      if (!guestNode)
        throw ApplicationFailure.nonRetryable(
          `${where} is not scheduled to a node (spec.nodeName is empty): create the VFClaim once the pod is scheduled`,
          'GuestPodNotScheduled',
        );
      const bad = vmNameProblem(guestNode);
      if (bad)
        throw ApplicationFailure.nonRetryable(
          `${where} runs on guest node ${guestNode}, which maps to no VM: ${bad}`,
          'GuestNodeNotAVm',
        );
      return { vm: guestNode, guestNode };
    },

    /** Writes the status of that very claim; a claim gone or re-created is left alone. */
    async reportGuestVfClaim(req: { guest: GuestClaimRef; status: VfClaimStatus }): Promise<void> {
      const ref = { namespace: req.guest.namespace, name: req.guest.name };
      const cur = await kube.get<VfClaimResource>('VFClaim', ref);
      if (!cur || cur.metadata.uid !== req.guest.uid) return;
      await kube.patchStatus('VFClaim', ref, {
        ...req.status,
        conditions: setCondition(cur.status?.conditions, vfClaimReady(req.status), new Date().toISOString()),
      });
    },

    /** Lets the API server finish deleting the claim: the host has released its VF. */
    async releaseGuestVfClaim(req: { guest: GuestClaimRef }): Promise<void> {
      await releaseFinalizer(
        kube,
        'VFClaim',
        { namespace: req.guest.namespace, name: req.guest.name, uid: req.guest.uid },
        VF_CLAIM_FINALIZER,
      );
    },
  };
}

export type GuestVfClaimActivities = ReturnType<typeof guestVfClaimActivities>;
