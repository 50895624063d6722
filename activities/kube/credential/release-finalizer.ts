/** `releaseCredentialFinalizer`: lets Kubernetes finish deleting the request (its credentials are revoked). */
import { apiMessage } from '../../../platform/kube/client';
import { CREDENTIAL_FINALIZER } from '../../../model/resources/credential';
import type { ObjectRef } from '../../../model/resources/common';
import { releaseFinalizer } from '../cluster-clients';
import type { CredentialClusters } from './target';

export function releaseFinalizerActivity({ host }: CredentialClusters) {
  return {
    async releaseCredentialFinalizer(request: ObjectRef): Promise<void> {
      try {
        await releaseFinalizer(host(), 'DPUServiceCredentialRequest', request, CREDENTIAL_FINALIZER);
      } catch (err) {
        throw new Error(`releasing the finalizer: ${apiMessage(err)}`, { cause: err });
      }
    },
  };
}
