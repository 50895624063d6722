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
import { CREDENTIAL_FINALIZER, type CredentialResource } from '../model/resources/credential';
import { refOf } from '../model/resources/common';
import { credentialWorkflowId } from '../model/workflow-ids';
import { WorkflowType } from '../model/workflow-types';
import { credentialDeleteRequestedSignal, credentialSpecChangedSignal } from '../model/credential-api';
import { credentialSpecProblems } from '../model/credential';
import { addFinalizer, notReady, objectWorkflow, SignalledOnce } from './object-workflow';

export class CredentialController {
  /** Generations already signalled by this process, per object UID ("delete" once deleting). */
  private readonly signalled: SignalledOnce;

  constructor(
    private readonly kube: Kube,
    temporal: Client,
    private readonly lookup: (namespace: string, name: string) => CredentialResource | undefined,
  ) {
    this.signalled = new SignalledOnce(temporal);
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    const req = this.lookup(namespace, name);
    if (!req) return;
    const ref = refOf(req.metadata);
    const uid = req.metadata.uid ?? `${namespace}/${name}`;
    const workflowId = credentialWorkflowId(ref);

    if (req.metadata.deletionTimestamp) {
      if (!req.metadata.finalizers?.includes(CREDENTIAL_FINALIZER)) return;
      const workflow = objectWorkflow(WorkflowType.serviceCredential, workflowId, { ref });
      await this.signalled.signal(uid, 'delete', workflow, credentialDeleteRequestedSignal);
      return;
    }
    if (await addFinalizer(this.kube, 'DPUServiceCredentialRequest', req.metadata, CREDENTIAL_FINALIZER))
      return;

    const generation = req.metadata.generation ?? 1;
    if (this.signalled.has(uid, generation)) return;
    const problems = credentialSpecProblems(req.spec);
    if (problems.length > 0) {
      // The CRD's schema refuses these; a spec written before it was installed lands here.
      const message = `${problems.join('; ')}: fix the request's spec`;
      await this.kube.patchStatus('DPUServiceCredentialRequest', ref, {
        observedGeneration: generation,
        conditions: notReady(req.status?.conditions, 'InvalidSpec', message, generation),
      });
      this.signalled.remember(uid, generation);
      return;
    }
    if ((req.status?.observedGeneration ?? 0) >= generation && req.status?.workflowId === workflowId) {
      this.signalled.remember(uid, generation); // a run before a restart took it
      return;
    }
    const desired = { generation, spec: req.spec };
    const workflow = objectWorkflow(WorkflowType.serviceCredential, workflowId, { ref, desired });
    await this.signalled.signal(uid, generation, workflow, credentialSpecChangedSignal, desired);
  }
}
