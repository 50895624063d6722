/**
 * Messages of the workflow behind one DPUServiceCredentialRequest: the
 * controller signals each new generation of the spec and the deletion; the
 * workflow issues, writes and renews the token, and revokes it on delete.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CredentialSpec } from './resources/credential';
import type { ObjectRef } from './resources/common';

export interface DesiredCredential {
  generation: number;
  spec: CredentialSpec;
}

/** What one run hands the next through continueAsNew: no token, only what renewal needs. */
export interface CredentialInput {
  ref: ObjectRef;
  desired?: DesiredCredential;
  /** The spec of the last token issued (what a changed spec or a delete must clean up). */
  issuedFor?: CredentialSpec;
  deleting?: boolean;
  /** Tokens issued so far for this request. */
  issued?: number;
  /** Failed attempts in a row (a missing DPUCluster, say): the next try waits longer. */
  failures?: number;
}

export interface CredentialState {
  generation?: number;
  issued: number;
  deleting: boolean;
  renewAt?: string;
  problem?: string;
}

export const credentialSpecChangedSignal = defineSignal<[DesiredCredential]>('credentialSpecChanged');
export const credentialDeleteRequestedSignal = defineSignal('credentialDeleteRequested');
export const credentialStateQuery = defineQuery<CredentialState>('credentialState');
