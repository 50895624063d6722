/**
 * Deletion: revoke what the desired spec half made (when it differs from
 * the issued one), what the issued one made, then release the finalizer. A
 * target cluster that does not answer keeps the request (and says so) rather
 * than leave a live ServiceAccount behind: the next run tries again.
 */
import { sleep } from '@temporalio/workflow';
import { failureMessage } from '../toolkit';
import { CREDENTIAL_FINALIZER, type CredentialSpec } from '../../model/resources/credential';
import type { ObjectRef } from '../../model/resources/common';
import { revokeCalls } from './proxies';
import { moved, retryDelayMs, type RunState, type Say } from './run-state';

export async function revokeOrRetry(s: RunState, say: Say, next: () => Promise<never>): Promise<string> {
  try {
    return await revokeAll(s.ref, s.issuedFor, s.desired?.spec);
  } catch (err) {
    s.failures += 1;
    const waitMs = retryDelayMs(s.failures);
    s.problem = `revoking failed: ${failureMessage(err)} (attempt ${s.failures}; next in ${Math.round(waitMs / 1000)} s). To give up, remove the finalizer ${CREDENTIAL_FINALIZER}: issued tokens then stay valid until they expire`;
    await say('False', 'RevokeFailed', s.problem);
    await sleep(waitMs);
    return next();
  }
}

async function revokeAll(
  ref: ObjectRef,
  issuedFor: CredentialSpec | undefined,
  desired: CredentialSpec | undefined,
): Promise<string> {
  const done: string[] = [];
  const last = issuedFor ?? desired;
  if (desired && issuedFor && desired !== issuedFor) {
    const m = moved(issuedFor, desired);
    if (m.serviceAccount || m.secret)
      done.push(
        await revokeCalls.revokeServiceCredential({ request: ref, spec: desired, deleteSecret: m.secret }),
      );
  }
  if (last)
    done.push(await revokeCalls.revokeServiceCredential({ request: ref, spec: last, deleteSecret: true }));
  await revokeCalls.releaseCredentialFinalizer(ref);
  return `credential request ${ref.namespace}/${ref.name} revoked: ${done.join('; ') || 'nothing was issued'}`;
}
