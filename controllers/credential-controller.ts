/**
 * DPUServiceCredentialRequest controller: keeps one workflow per request
 * object informed.
 *
 *   new generation ─▶ signalWithStart(credential-<ns>-<name>-<uid>, credentialSpecChanged{generation, spec})
 *   deleted        ─▶ signalWithStart(…, credentialDeleteRequested) — the workflow revokes and releases the finalizer
 *
 * The workflow ID derives from the object and the workflow ignores a
 * generation it has seen, so a restarted controller starts nothing twice.
 */
import type { Client } from '@temporalio/client';
import type { Kube } from '../platform/kube/client';
import { setCondition } from '../model/resources/conditions';
import { CREDENTIAL_FINALIZER, type CredentialRequestResource } from '../model/resources/credential';
import { refOf } from '../model/resources/common';
import { credentialRequestWorkflowId } from '../model/workflow-ids';
import type { CredentialRequestInput } from '../model/credential-api';
import { credentialSpecProblems } from '../model/credential';
import { CONTROL_TASK_QUEUE } from '../model/task-queues';

export class CredentialRequestController {
  /** Generations already signalled by this process, per object UID ("delete" once deleting). */
  private readonly signalled = new Map<string, number | 'delete'>();

  constructor(
    private readonly kube: Kube,
    private readonly temporal: Client,
    private readonly lookup: (namespace: string, name: string) => CredentialRequestResource | undefined,
  ) {}

  async reconcile(namespace: string, name: string): Promise<void> {
    const req = this.lookup(namespace, name);
    if (!req) return;
    const ref = refOf(req.metadata);
    const key = req.metadata.uid ?? `${namespace}/${name}`;
    const workflowId = credentialRequestWorkflowId(ref);
    const finalizers = req.metadata.finalizers ?? [];

    if (req.metadata.deletionTimestamp) {
      if (!finalizers.includes(CREDENTIAL_FINALIZER) || this.signalled.get(key) === 'delete') return;
      await this.temporal.workflow.signalWithStart('serviceCredential', {
        workflowId,
        taskQueue: CONTROL_TASK_QUEUE,
        args: [{ ref } satisfies CredentialRequestInput],
        signal: 'credentialDeleteRequested',
        signalArgs: [],
      });
      this.signalled.set(key, 'delete');
      return;
    }

    if (!finalizers.includes(CREDENTIAL_FINALIZER)) {
      await this.kube.patch('DPUServiceCredentialRequest', ref, {
        metadata: { finalizers: [...finalizers, CREDENTIAL_FINALIZER] },
      });
      return; // the update event brings the object back here
    }

    const generation = req.metadata.generation ?? 1;
    if (this.signalled.get(key) === generation) return;
    const problems = credentialSpecProblems(req.spec);
    if (problems.length > 0) {
      // The CRD's schema refuses these; a spec written before it was installed lands here.
      const message = `${problems.join('; ')}: fix the request's spec`;
      await this.kube.patchStatus('DPUServiceCredentialRequest', ref, {
        observedGeneration: generation,
        conditions: setCondition(
          req.status?.conditions,
          { type: 'Ready', status: 'False', reason: 'InvalidSpec', message, observedGeneration: generation },
          new Date().toISOString(),
        ),
      });
      this.signalled.set(key, generation);
      return;
    }
    if ((req.status?.observedGeneration ?? 0) >= generation && req.status?.workflowId === workflowId) {
      this.signalled.set(key, generation); // a run before a restart took it
      return;
    }
    const desired = { generation, spec: req.spec };
    await this.temporal.workflow.signalWithStart('serviceCredential', {
      workflowId,
      taskQueue: CONTROL_TASK_QUEUE,
      args: [{ ref, desired } satisfies CredentialRequestInput],
      signal: 'credentialSpecChanged',
      signalArgs: [desired],
    });
    this.signalled.set(key, generation);
  }
}
