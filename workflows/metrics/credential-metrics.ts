/**
 * Credential issue counters, recorded by the credential workflow (never on
 * replay, like the phase metrics beside this file):
 *   xpuflow_credential_issued{namespace,request}          tokens issued and written for the request
 *   xpuflow_credential_issue_failures{namespace,request}  attempts that failed (retries spent, or refused)
 * One series each per DPUServiceCredentialRequest (namespace and name), never
 * per run or per token. Counters, not gauges: with two control workers a
 * request's runs move between them, and a sum over exporters is right
 * whichever ran which attempt (a stale gauge would not be). The rule
 * XpuflowCredentialRenewalFailing fires when attempts failed and none
 * succeeded for its limit (charts/xpuflow/templates/_alert-rules.tpl).
 */
import { metricMeter } from '@temporalio/workflow';
import type { ObjectRef } from '../../model/resources/common';

export const CREDENTIAL_ISSUED = 'xpuflow_credential_issued';
export const CREDENTIAL_ISSUE_FAILURES = 'xpuflow_credential_issue_failures';

export function countCredentialIssue(ref: ObjectRef, ok: boolean): void {
  metricMeter
    .createCounter(
      ok ? CREDENTIAL_ISSUED : CREDENTIAL_ISSUE_FAILURES,
      '',
      ok
        ? 'service credential tokens issued and written, per DPUServiceCredentialRequest'
        : 'service credential issue attempts that failed, per DPUServiceCredentialRequest',
    )
    .add(1, { namespace: ref.namespace, request: ref.name });
}
