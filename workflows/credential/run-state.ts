/** What one run of the credential workflow keeps (and hands the next), and how it reports. */
import { log } from '@temporalio/workflow';
import type { CredentialSpec } from '../../model/resources/credential';
import type { ObjectRef } from '../../model/resources/common';
import type { DesiredCredential } from '../../model/credential-api';
import { failureMessage } from '../toolkit';
import { reportCalls } from './proxies';

export interface RunState {
  ref: ObjectRef;
  desired?: DesiredCredential;
  deleting: boolean;
  /** The spec of the last token issued (what a changed spec or a delete must clean up). */
  issuedFor?: CredentialSpec;
  issued: number;
  /** Failed attempts in a row: the next try waits longer. */
  failures: number;
  /** A newer generation came during this run. */
  changed: boolean;
  renewAt?: string;
  problem?: string;
}

/** Writes the Ready condition (and status fields) of the request. */
export type Say = (
  status: 'True' | 'False',
  reason: string,
  message: string,
  fields?: object,
) => Promise<void>;

/** A status that cannot be written is logged here, and does not stop renewal. */
export function reporter(s: RunState, workflowId: string): Say {
  return (status, reason, message, fields = {}) =>
    reportCalls
      .reportServiceCredential({
        request: s.ref,
        ...(s.desired ? { generation: s.desired.generation } : {}),
        workflowId,
        ready: { status, reason, message },
        fields,
      })
      .catch((err: unknown) =>
        log.warn('credential status not written', { workflowId, reason, error: failureMessage(err) }),
      );
}

/** After a failed attempt: 30 s, doubling to 5 minutes. */
export function retryDelayMs(failures: number): number {
  return Math.min(5 * 60_000, 30_000 * 2 ** Math.max(0, failures - 1));
}

/** What differs between two specs in where things live. */
export function moved(a: CredentialSpec, b: CredentialSpec): { serviceAccount: boolean; secret: boolean } {
  return {
    serviceAccount:
      (a.targetCluster ?? '') !== (b.targetCluster ?? '') ||
      a.serviceAccount.name !== b.serviceAccount.name ||
      a.serviceAccount.namespace !== b.serviceAccount.namespace,
    secret: a.secret.name !== b.secret.name || a.secret.namespace !== b.secret.namespace,
  };
}
