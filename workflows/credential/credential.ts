/**
 * credential: the long-lived workflow behind one DPUServiceCredentialRequest
 * (registered as `serviceCredential`, see workflows/index.ts). Each run issues
 * one token and hands over:
 *
 *   ensure ServiceAccount + TokenRequest (target cluster) ─▶ write Secret (host cluster) ─▶ status Ready
 *     ─▶ durable timer to 80 % of the token's real lifetime (+ ≤5 % jitter) ─▶ continueAsNew ─▶ next run renews
 *   specChanged(new generation) ─▶ continueAsNew at once: the next run reissues (and cleans up what moved)
 *   deleteRequested ─▶ delete the ServiceAccount (its tokens stop working) and the Secret, release the finalizer;
 *                     a target that does not answer is reported (RevokeFailed) and tried again with backoff
 *
 * 1. Wait for a spec or a delete.
 * 2. Deleting: revoke all (revoke.ts), or report and try again in the next run.
 * 3. A spec the checks refuse: report it, wait for an edit.
 * 4. Issue (issue.ts): revoke what a moved spec left, issue, write, report Ready.
 * 5. Sleep until renewal, an edit or a delete; continueAsNew.
 *
 * The token passes from one activity to the next as a workflow value, so it
 * is in history only as the payload codec encrypted it. A run carries only
 * the spec and counters to the next, so history stays a few dozen events.
 */
import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  credentialDeleteRequestedSignal,
  credentialSpecChangedSignal,
  credentialStateQuery,
  type CredentialInput,
} from '../../model/credential-api';
import { credentialSpecProblems } from '../../model/credential';
import { issueToken } from './issue';
import { revokeOrRetry } from './revoke';
import { reporter, type RunState } from './run-state';

export async function credential(input: CredentialInput): Promise<string> {
  const s: RunState = {
    ref: input.ref,
    desired: input.desired,
    deleting: input.deleting ?? false,
    issuedFor: input.issuedFor,
    issued: input.issued ?? 0,
    failures: input.failures ?? 0,
    changed: false,
  };
  listen(s);
  const say = reporter(s, workflowInfo().workflowId);
  const next = () =>
    continueAsNew<typeof credential>({
      ref: s.ref,
      ...(s.desired ? { desired: s.desired } : {}),
      ...(s.issuedFor ? { issuedFor: s.issuedFor } : {}),
      deleting: s.deleting,
      issued: s.issued,
      failures: s.failures,
    });
  const editedOrDeleted = () => condition(() => s.deleting || s.changed);

  // 1.
  await condition(() => s.deleting || s.desired !== undefined);
  // 2.
  if (s.deleting) return revokeOrRetry(s, say, next);
  const d = s.desired!;
  s.changed = false;
  // 3.
  const problems = credentialSpecProblems(d.spec);
  if (problems.length > 0) {
    s.problem = `${problems.join('; ')}: fix the request's spec`;
    await say('False', 'InvalidSpec', s.problem);
    await editedOrDeleted();
    return next();
  }
  // 4.
  const waitMs = await issueToken(s, d, say);
  if (waitMs === undefined) {
    await editedOrDeleted();
    return next();
  }
  // 5.
  await condition(() => s.deleting || s.changed, waitMs);
  return next();
}

/** The controller's signals and the state query. */
function listen(s: RunState): void {
  setHandler(credentialSpecChangedSignal, (d) => {
    if (s.deleting || (s.desired && d.generation <= s.desired.generation)) return;
    s.desired = d;
    s.changed = true;
  });
  setHandler(credentialDeleteRequestedSignal, () => {
    s.deleting = true;
  });
  setHandler(credentialStateQuery, () => ({
    generation: s.desired?.generation,
    issued: s.issued,
    deleting: s.deleting,
    ...(s.renewAt ? { renewAt: s.renewAt } : {}),
    ...(s.problem ? { problem: s.problem } : {}),
  }));
}
