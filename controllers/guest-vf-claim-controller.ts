/**
 * The guest cluster's VFClaim controller. It runs with the guest cluster's
 * credentials only and talks to the host solely through Temporal:
 *
 *   new claim  ─▶ finalizer, then start vfClaim (vf-claim-<cluster>-<ns>-<name>-<uid>)
 *   deleted    ─▶ signalWithStart(…, vfClaimRelease): the workflow unplugs, rebinds,
 *                 releases, and the guest worker lets the finalizer go
 *
 * The spec is immutable (CEL), so a claim's workflow is started once; the
 * workflow ID derives from the claim, so a restarted controller starts
 * nothing twice. Status is written by the workflow through the guest worker.
 */
import type * as k8s from '@kubernetes/client-node';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { Kube } from '../platform/kube/client';
import type { VfClaimResource } from '../model/resources/vf-claim';
import { VF_CLAIM_FINALIZER } from '../model/resources/vf-claim';
import { vfClaimReleaseSignal, type GuestClaimRef, type VfClaimInput } from '../model/vf-claim-api';
import { vfClaimWorkflowId } from '../model/workflow-ids';
import { WorkflowType } from '../model/workflow-types';
import { CONTROL_TASK_QUEUE } from '../model/task-queues';
import { controllerRunner, objectQueue, watched, type ControllerRunner } from './controller-runner';
import { customInformer } from './informers';
import { addFinalizer, SignalledOnce, objectWorkflow } from './object-workflow';

export interface GuestVfClaimOptions {
  /** The guest cluster (guest credentials). */
  kc: k8s.KubeConfig;
  temporal: Client;
  /** The guest cluster's name, unique among the guest clusters of one host (its worker's queue). */
  cluster: string;
  /** The guest namespace whose VFClaims are carried. */
  namespace: string;
  log: (line: string) => void;
}

export class GuestVfClaimController {
  private readonly kube: Kube;
  private readonly signalled: SignalledOnce;

  constructor(
    private readonly opts: GuestVfClaimOptions,
    private readonly lookup: (namespace: string, name: string) => VfClaimResource | undefined,
  ) {
    this.kube = new Kube(opts.kc);
    this.signalled = new SignalledOnce(opts.temporal);
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    const claim = this.lookup(namespace, name);
    if (!claim?.metadata.uid) return;
    const guest: GuestClaimRef = { cluster: this.opts.cluster, namespace, name, uid: claim.metadata.uid };
    const workflowId = vfClaimWorkflowId(guest);
    const input: VfClaimInput = { guest, spec: claim.spec };

    if (claim.metadata.deletionTimestamp) {
      if (!claim.metadata.finalizers?.includes(VF_CLAIM_FINALIZER)) return;
      // signalWithStart: a claim deleted before its workflow started still gets one to let it go.
      const workflow = objectWorkflow(WorkflowType.vfClaim, workflowId, input);
      await this.signalled.signal(guest.uid, 'delete', workflow, vfClaimReleaseSignal, {
        reason: 'deleted in the guest cluster',
      });
      return;
    }
    if (await addFinalizer(this.kube, 'VFClaim', claim.metadata, VF_CLAIM_FINALIZER)) return;
    if (this.signalled.has(guest.uid, 'start') || claim.status?.workflowId === workflowId) return;
    try {
      await this.opts.temporal.workflow.start(WorkflowType.vfClaim, {
        workflowId,
        taskQueue: CONTROL_TASK_QUEUE,
        args: [input],
      });
    } catch (err) {
      // A controller restarted before the workflow's first status write finds its run.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    this.signalled.remember(guest.uid, 'start');
  }
}

/** The controller as a runner: an informer on the namespace's VFClaims and one work queue. */
export function guestVfClaimController(opts: GuestVfClaimOptions): ControllerRunner {
  const informer = customInformer<VfClaimResource & k8s.KubernetesObject>(opts.kc, 'VFClaim', opts.namespace);
  const controller = new GuestVfClaimController(opts, (namespace, name) => informer.get(name, namespace));
  return controllerRunner({
    kc: opts.kc,
    namespace: opts.namespace,
    log: opts.log,
    informers: [watched(informer, 'guest VFClaims')],
    queues: [
      objectQueue('VFClaim', informer, opts.namespace, (namespace, name) =>
        controller.reconcile(namespace, name),
      ),
    ],
    runningMessage: `guest VFClaim controller for cluster ${opts.cluster} watching namespace ${opts.namespace}`,
  });
}
