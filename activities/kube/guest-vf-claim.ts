/**
 * The guest cluster's side of a VFClaim, run by the guest worker (the guest
 * controller's process, guest credentials only, queue xpuflow-guest-<cluster>):
 * the claim's status as the host reports it, and its finalizer let go once
 * the host has released the VF. Every call is bound to the claim's UID, so a
 * claim re-created under the same name is never written by the old run.
 */
import { releaseFinalizer } from './cluster-clients';
import type { Kube } from '../../platform/kube/client';
import type { VfClaimResource, VfClaimStatus } from '../../model/resources/vf-claim';
import { VF_CLAIM_FINALIZER, vfClaimReady } from '../../model/resources/vf-claim';
import { setCondition } from '../../model/resources/conditions';
import type { GuestClaimRef } from '../../model/vf-claim-api';

export function guestVfClaimActivities(kube: Kube) {
  return {
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
