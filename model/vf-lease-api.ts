/**
 * The VF lease workflow's messages. Imported by the workflow and by its
 * clients (device plugin, host agent, collector, CLI, tests).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AttachRecord, AttachRequest, ReleaseRequest, VfLeaseStatus } from './vf';

export const leaseStatusQuery = defineQuery<VfLeaseStatus>('leaseStatus');
/** CNI ADD: binds the lease to the pod (first ADD wins) and moves the netdev in. */
export const attachUpdate = defineUpdate<AttachRecord, [AttachRequest]>('attach');
/** CNI DEL: undoes both sides; returns when the lease is released. */
export const releaseUpdate = defineUpdate<VfLeaseStatus, [ReleaseRequest]>('release');
/** The same release without waiting (the collector, the CLI). */
export const releaseSignal = defineSignal<[ReleaseRequest]>('release');
