/**
 * One issue: revoke what a moved spec left behind, a token from TokenRequest,
 * the Secret, and Ready with the renewal time. Returns how long to sleep
 * until the renewal (or, after a failure, until the next try), or undefined
 * for a spec the activities refuse, which waits for an edit.
 */
import { describeFailure } from '../toolkit';
import { targetName } from '../../model/resources/credential';
import type { DesiredCredential } from '../../model/credential-api';
import { renewDelayMs } from '../../model/credential';
import { countCredentialIssue } from '../metrics/credential-metrics';
import { issueCalls, revokeCalls } from './proxies';
import { moved, retryDelayMs, type RunState, type Say } from './run-state';

const refText = (n: { namespace: string; name: string }) => `${n.namespace}/${n.name}`;

export async function issueToken(s: RunState, d: DesiredCredential, say: Say): Promise<number | undefined> {
  try {
    // A spec that moved the ServiceAccount or the Secret: revoke what the old one made first.
    const m = s.issuedFor && moved(s.issuedFor, d.spec);
    if (s.issuedFor && m && (m.serviceAccount || m.secret)) {
      await revokeCalls.revokeServiceCredential({
        request: s.ref,
        spec: s.issuedFor,
        deleteSecret: m.secret,
      });
      s.issuedFor = undefined;
    }
    const token = await issueCalls.requestServiceAccountToken({ request: s.ref, spec: d.spec });
    const secret = await issueCalls.writeServiceCredentialSecret({
      request: s.ref,
      spec: d.spec,
      issued: token,
    });
    s.issued += 1;
    countCredentialIssue(s.ref, true);
    s.issuedFor = d.spec;
    s.failures = 0;
    s.problem = undefined;
    const issuedAtMs = Date.parse(token.issuedAt);
    const lifetimeMs = Date.parse(token.expirationTimestamp) - issuedAtMs;
    const waitMs = renewDelayMs(lifetimeMs, Math.random());
    const renewAt = new Date(issuedAtMs + waitMs).toISOString();
    s.renewAt = renewAt;
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
        issued: s.issued,
      },
    );
    return waitMs;
  } catch (err) {
    s.failures += 1;
    countCredentialIssue(s.ref, false);
    const why = describeFailure(err);
    // Our own refusals name their reason; anything else ran out of retries.
    const reason = (why.nonRetryable && why.type) || 'IssueFailed';
    const waitMs = retryDelayMs(s.failures);
    s.problem = `${why.message} (attempt ${s.failures}; next in ${Math.round(waitMs / 1000)} s)`;
    await say('False', reason, s.problem);
    // A spec the checks refuse waits for an edit; anything else (a DPUCluster yet to come) is tried again.
    return reason === 'InvalidSpec' ? undefined : waitMs;
  }
}
