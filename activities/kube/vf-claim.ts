/**
 * The host cluster's mirror of a guest cluster's VFClaim, on the control
 * queue (host credentials): written before the host does any VF work, its
 * status kept in step, deleted once the VF is released (or was never made).
 */
import type { Kube } from '../../platform/kube/client';
import { isConflict, unlessNotFound } from '../../platform/kube/client';
import type { ObjectRef } from '../../model/resources/common';
import {
  GUEST_CLUSTER_LABEL,
  GUEST_NAME_LABEL,
  GUEST_NAMESPACE_LABEL,
  type VfClaimResource,
  type VfClaimSpec,
  type VfClaimStatus,
  vfClaimReady,
} from '../../model/resources/vf-claim';
import { setCondition } from '../../model/resources/conditions';
import { hostVfClaimName, type GuestClaimRef } from '../../model/vf-claim-api';
import {
  VF_CLAIM_GRANTS_CONFIGMAP,
  vfClaimGrantProblem,
  vfClaimRefusal,
  type VfClaimAsk,
  type VfClaimGrant,
} from '../../model/vf-claim-grants';

/** A label value is at most 63 characters and ends alphanumeric; the full names are in the mirror's name. */
function labelValue(v: string): string {
  return v.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}

/**
 * `namespace`: where the mirrors live, the host's choice (XPUFLOW_VF_CLAIM_NAMESPACE
 * of the control worker, default `default`), never the guest's.
 */
export function vfClaimActivities(kube: () => Kube, namespace: string) {
  return {
    /**
     * Whether the host lets this guest cluster claim this VM's VF from this PF
     * or pool (model/vf-claim-grants.ts): `refused` names the guest, the value
     * and what the host admin must add. Read with the host's credentials only.
     */
    async authorizeGuestVfClaim(ask: VfClaimAsk): Promise<{ refused?: string }> {
      const where = `${namespace}/${VF_CLAIM_GRANTS_CONFIGMAP}`;
      const cm = await unlessNotFound(() =>
        kube().core.readNamespacedConfigMap({ namespace, name: VF_CLAIM_GRANTS_CONFIGMAP }),
      );
      const raw = cm?.data?.[ask.cluster];
      if (raw === undefined) return { refused: vfClaimRefusal(undefined, ask, where) };
      let grant: unknown;
      try {
        grant = JSON.parse(raw);
      } catch (err) {
        return {
          refused: `ConfigMap ${where} key ${ask.cluster} is not JSON (${(err as Error).message}): the host admin fixes it`,
        };
      }
      const bad = vfClaimGrantProblem(ask.cluster, grant);
      if (bad) return { refused: `ConfigMap ${where}: ${bad}` };
      const refused = vfClaimRefusal(grant as VfClaimGrant, ask, where);
      return refused ? { refused } : {};
    },

    /** Creates the mirror unless it exists (a retried attempt finds the one it made); returns where it is. */
    async applyHostVfClaim(req: {
      guest: GuestClaimRef;
      spec: VfClaimSpec;
      workflowId: string;
    }): Promise<ObjectRef> {
      const ref = { namespace, name: hostVfClaimName(req.guest) };
      try {
        await kube().create<VfClaimResource>('VFClaim', ref.namespace, {
          metadata: {
            name: ref.name,
            labels: {
              [GUEST_CLUSTER_LABEL]: labelValue(req.guest.cluster),
              [GUEST_NAMESPACE_LABEL]: labelValue(req.guest.namespace),
              [GUEST_NAME_LABEL]: labelValue(req.guest.name),
            },
          },
          spec: req.spec,
        });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      const claiming: VfClaimStatus = { phase: 'Claiming', workflowId: req.workflowId };
      const cur = await kube().get<VfClaimResource>('VFClaim', ref);
      await kube().patchStatus('VFClaim', ref, {
        ...claiming,
        conditions: setCondition(cur?.status?.conditions, vfClaimReady(claiming), new Date().toISOString()),
      });
      return ref;
    },

    async reportHostVfClaim(req: { ref: ObjectRef; status: VfClaimStatus }): Promise<void> {
      const cur = await kube().get<VfClaimResource>('VFClaim', req.ref);
      await kube().patchStatus('VFClaim', req.ref, {
        ...req.status,
        conditions: setCondition(cur?.status?.conditions, vfClaimReady(req.status), new Date().toISOString()),
      });
    },

    /** Deletes the mirror; one already gone is fine. */
    async deleteHostVfClaim(req: { ref: ObjectRef }): Promise<void> {
      await kube().delete('VFClaim', req.ref);
    },
  };
}
