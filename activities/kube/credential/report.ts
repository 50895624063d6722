/** `reportServiceCredential`: the request's status and Ready condition; an Event when it is not Ready. */
import { setCondition } from '../../../model/resources/conditions';
import type { CredentialResource, CredentialStatus } from '../../../model/resources/credential';
import type { ObjectRef } from '../../../model/resources/common';
import type { CredentialClusters } from './target';

export interface CredentialReport {
  request: ObjectRef;
  generation?: number;
  workflowId: string;
  ready: { status: 'True' | 'False'; reason: string; message: string };
  fields?: Omit<CredentialStatus, 'conditions' | 'observedGeneration' | 'workflowId'>;
}

export function reportActivity({ host }: CredentialClusters) {
  return {
    async reportServiceCredential(r: CredentialReport): Promise<void> {
      const h = host();
      const cur = await h.get<CredentialResource>('DPUServiceCredentialRequest', r.request);
      if (!cur || (r.request.uid && cur.metadata.uid !== r.request.uid)) return;
      const generation = r.generation !== undefined ? { observedGeneration: r.generation } : {};
      await h.patchStatus('DPUServiceCredentialRequest', r.request, {
        ...r.fields,
        workflowId: r.workflowId,
        ...generation,
        conditions: setCondition(
          cur.status?.conditions,
          { type: 'Ready', ...r.ready, ...generation },
          new Date().toISOString(),
        ),
      });
      // One Event per new problem, not one per retry.
      const said = cur.status?.conditions?.find((c) => c.type === 'Ready')?.message;
      if (r.ready.status === 'False' && said !== r.ready.message)
        await h.event(
          { kind: 'DPUServiceCredentialRequest', ref: r.request },
          'Warning',
          r.ready.reason,
          r.ready.message,
        );
    },
  };
}
