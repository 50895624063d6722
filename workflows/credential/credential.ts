/**
 * ServiceCredential: the long-lived workflow behind one
 * DPUServiceCredentialRequest. Each run issues one token and hands over:
 *
 *   ensure ServiceAccount + TokenRequest (target cluster) ─▶ write Secret (host cluster) ─▶ status Ready
 *     ─▶ durable timer to 80 % of the token's real lifetime (+ ≤5 % jitter) ─▶ continueAsNew ─▶ next run renews
 *   specChanged(new generation) ─▶ continueAsNew at once: the next run reissues (and cleans up what moved)
 *   deleteRequested ─▶ delete the ServiceAccount (its tokens stop working) and the Secret, release the finalizer;
 *                     a target that does not answer is reported (RevokeFailed) and tried again with backoff
 *
 * The token passes from one activity to the next as a workflow value, so it
 * is in history only as the payload codec encrypted it. A run carries only
 * the spec and counters to the next, so history stays a few dozen events.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  CREDENTIAL_FINALIZER,
  targetName,
  type CredentialRequestSpec,
} from '../../model/resources/credential';
import {
  credentialDeleteRequestedSignal,
  credentialSpecChangedSignal,
  credentialStateQuery,
  type CredentialRequestInput,
  type DesiredCredential,
} from '../../model/credential-api';
import { credentialSpecProblems, renewDelayMs } from '../../model/credential';
import { issue, report, revoke } from './proxies';

/** After a failed attempt: 30 s, doubling to 5 minutes. */
function retryDelayMs(failures: number): number {
  return Math.min(5 * 60_000, 30_000 * 2 ** Math.max(0, failures - 1));
}

const refText = (n: { namespace: string; name: string }) => `${n.namespace}/${n.name}`;

export async function serviceCredential(input: CredentialRequestInput): Promise<string> {
  const { ref } = input;
  let desired: DesiredCredential | undefined = input.desired;
  let deleting = input.deleting ?? false;
  let issuedFor = input.issuedFor;
  let issued = input.issued ?? 0;
  let failures = input.failures ?? 0;
  let changed = false;
  let renewAt: string | undefined;
  let problem: string | undefined;
  const workflowId = workflowInfo().workflowId;

  setHandler(credentialSpecChangedSignal, (d) => {
    if (deleting || (desired && d.generation <= desired.generation)) return;
    desired = d;
    changed = true;
  });
  setHandler(credentialDeleteRequestedSignal, () => {
    deleting = true;
  });
  setHandler(credentialStateQuery, () => ({
    generation: desired?.generation,
    issued,
    deleting,
    ...(renewAt ? { renewAt } : {}),
    ...(problem ? { problem } : {}),
  }));

  const next = () =>
    continueAsNew<typeof serviceCredential>({
      ref,
      ...(desired ? { desired } : {}),
      ...(issuedFor ? { issuedFor } : {}),
      deleting,
      issued,
      failures,
    });

  // A status that cannot be written is logged by its activity's failure, and does not stop renewal.
  const say = (status: 'True' | 'False', reason: string, message: string, fields = {}) =>
    report
      .reportServiceCredential({
        request: ref,
        ...(desired ? { generation: desired.generation } : {}),
        workflowId,
        ready: { status, reason, message },
        fields,
      })
      .catch(() => undefined);

  await condition(() => deleting || desired !== undefined);
  if (deleting) {
    // A target cluster that does not answer keeps the request (and says so) rather than leave a live ServiceAccount behind.
    try {
      return await revokeAll(ref, issuedFor, desired?.spec);
    } catch (err) {
      failures += 1;
      const cause = err instanceof ActivityFailure ? err.cause : err;
      const waitMs = retryDelayMs(failures);
      problem = `revoking failed: ${(cause as Error)?.message ?? String(cause)} (attempt ${failures}; next in ${Math.round(waitMs / 1000)} s). To give up, remove the finalizer ${CREDENTIAL_FINALIZER}: issued tokens then stay valid until they expire`;
      await say('False', 'RevokeFailed', problem);
      await sleep(waitMs);
      return next();
    }
  }
  const d = desired!;
  changed = false;

  const problems = credentialSpecProblems(d.spec);
  if (problems.length > 0) {
    problem = `${problems.join('; ')}: fix the request's spec`;
    await say('False', 'InvalidSpec', problem);
    await condition(() => deleting || changed);
    return next();
  }

  let waitMs: number;
  try {
    // A spec that moved the ServiceAccount or the Secret: revoke what the old one made first.
    const m = issuedFor && moved(issuedFor, d.spec);
    if (issuedFor && m && (m.serviceAccount || m.secret)) {
      await revoke.revokeServiceCredential({ request: ref, spec: issuedFor, deleteSecret: m.secret });
      issuedFor = undefined;
    }
    const token = await issue.requestServiceAccountToken({ request: ref, spec: d.spec });
    const secret = await issue.writeServiceCredentialSecret({ request: ref, spec: d.spec, issued: token });
    issued += 1;
    issuedFor = d.spec;
    failures = 0;
    problem = undefined;
    const issuedAtMs = Date.parse(token.issuedAt);
    const lifetimeMs = Date.parse(token.expirationTimestamp) - issuedAtMs;
    waitMs = renewDelayMs(lifetimeMs, Math.random());
    renewAt = new Date(issuedAtMs + waitMs).toISOString();
    const sa = refText(d.spec.serviceAccount);
    await say(
      'True',
      'Issued',
      `token of ServiceAccount ${sa} in ${targetName(d.spec)} written to Secret ${secret} as ${d.spec.type}; valid until ${token.expirationTimestamp}, renewed at ${renewAt}`,
      {
        issuedAt: token.issuedAt,
        expirationTimestamp: token.expirationTimestamp,
        renewAt,
        serviceAccount: sa,
        secret,
        issued,
      },
    );
  } catch (err) {
    failures += 1;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    // Our own refusals name their reason; anything else ran out of retries.
    const reason = (cause instanceof ApplicationFailure && cause.nonRetryable && cause.type) || 'IssueFailed';
    waitMs = retryDelayMs(failures);
    problem = `${(cause as Error)?.message ?? String(cause)} (attempt ${failures}; next in ${Math.round(waitMs / 1000)} s)`;
    await say('False', reason, problem);
    // A spec the checks refuse waits for an edit; anything else (a DPUCluster yet to come) is tried again.
    if (reason === 'InvalidSpec') {
      await condition(() => deleting || changed);
      return next();
    }
  }
  await condition(() => deleting || changed, waitMs);
  return next();
}

/** What differs between two specs in where things live. */
function moved(
  a: CredentialRequestSpec,
  b: CredentialRequestSpec,
): { serviceAccount: boolean; secret: boolean } {
  return {
    serviceAccount:
      (a.targetCluster ?? '') !== (b.targetCluster ?? '') ||
      a.serviceAccount.name !== b.serviceAccount.name ||
      a.serviceAccount.namespace !== b.serviceAccount.namespace,
    secret: a.secret.name !== b.secret.name || a.secret.namespace !== b.secret.namespace,
  };
}

/** Deletion: the desired spec's half-made things (when they differ), the issued one's, then the finalizer. */
async function revokeAll(
  ref: CredentialRequestInput['ref'],
  issuedFor: CredentialRequestSpec | undefined,
  desired: CredentialRequestSpec | undefined,
): Promise<string> {
  const done: string[] = [];
  const last = issuedFor ?? desired;
  if (desired && issuedFor && desired !== issuedFor) {
    const m = moved(issuedFor, desired);
    if (m.serviceAccount || m.secret)
      done.push(
        await revoke.revokeServiceCredential({ request: ref, spec: desired, deleteSecret: m.secret }),
      );
  }
  if (last) done.push(await revoke.revokeServiceCredential({ request: ref, spec: last, deleteSecret: true }));
  await revoke.releaseCredentialFinalizer(ref);
  return `credential request ${ref.namespace}/${ref.name} revoked: ${done.join('; ') || 'nothing was issued'}`;
}
