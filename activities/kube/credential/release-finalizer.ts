/** `releaseCredentialFinalizer`: lets Kubernetes finish deleting the request (its credentials are revoked). */
import { apiMessage, isNotFound } from '../../../platform/kube/client';
import { CREDENTIAL_FINALIZER, type CredentialRequestResource } from '../../../model/resources/credential';
import type { ObjectRef } from '../../../model/resources/common';
import type { CredentialClusters } from './target';

export function releaseFinalizerActivity({ host }: CredentialClusters) {
  return {
    async releaseCredentialFinalizer(request: ObjectRef): Promise<void> {
      const h = host();
      const cur = await h.get<CredentialRequestResource>('DPUServiceCredentialRequest', request);
      const i = cur?.metadata.finalizers?.indexOf(CREDENTIAL_FINALIZER) ?? -1;
      if (!cur || i < 0 || (request.uid && cur.metadata.uid !== request.uid)) return;
      try {
        await h.jsonPatch('DPUServiceCredentialRequest', request, [
          { op: 'test', path: `/metadata/finalizers/${i}`, value: CREDENTIAL_FINALIZER },
          { op: 'remove', path: `/metadata/finalizers/${i}` },
        ]);
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`releasing the finalizer: ${apiMessage(err)}`, { cause: err });
      }
    },
  };
}
