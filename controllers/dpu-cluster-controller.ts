/**
 * DPUCluster controller.
 *
 *   type static (default) ─▶ can the DPU cluster be reached with the kubeconfig its Secret holds?
 *                            Phase Ready or Error, with a Reachable condition saying why not.
 *   type kamaji           ─▶ signalWithStart(dpucluster-<ns>-<name>-<uid>, dpuClusterSpecChanged{generation, spec}):
 *                            the workflow makes the TenantControlPlane and its load balancer, waits
 *                            for Kamaji and writes the kubeconfig Secret (ControlPlaneReady); from
 *                            then on the same reachability check as a static cluster.
 *   deleted               ─▶ refused while DPUs name the cluster: the finalizer stays and the
 *                            DeletionBlocked condition names them (a CEL rule or an admission policy
 *                            cannot see other objects); once none does, a kamaji cluster's workflow
 *                            removes what it made and releases the finalizer, a static one's is
 *                            released here (nothing was made).
 *
 * Reachability is checked on every change of the object and again every
 * minute so an outage shows up.
 */
import type { Client } from '@temporalio/client';
import { setCondition } from '../model/resources/conditions';
import { apiMessage, isNotFound, Kube } from '../platform/kube/client';
import { kubeConfigFromYaml } from '../platform/kube/config';
import { refOf, type DpuClusterResource, type DpuResource } from '../model/resources/common';
import {
  clusterTypeOf,
  DPU_CLUSTER_FINALIZER,
  dpuClusterSpecProblems,
  dpusInCluster,
  kubeconfigSecretOf,
} from '../model/dpu-cluster';
import { dpuClusterDeleteRequestedSignal, dpuClusterSpecChangedSignal } from '../model/dpu-cluster-api';
import { dpuClusterWorkflowId } from '../model/workflow-ids';
import { WorkflowType } from '../model/workflow-types';
import { addFinalizer, objectWorkflow, SignalledOnce } from './object-workflow';

export interface DpuClusterLookups {
  cluster(namespace: string, name: string): DpuClusterResource | undefined;
  dpus(namespace: string): DpuResource[];
}

export class DpuClusterController {
  private readonly signalled: SignalledOnce;

  constructor(
    private readonly kube: Kube,
    temporal: Client,
    private readonly look: DpuClusterLookups,
  ) {
    this.signalled = new SignalledOnce(temporal);
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    const dc = this.look.cluster(namespace, name);
    if (!dc) return;
    if (dc.metadata.deletionTimestamp) return this.deleting(dc);
    if (await addFinalizer(this.kube, 'DPUCluster', dc.metadata, DPU_CLUSTER_FINALIZER)) return;
    const ref = refOf(dc.metadata);
    const problems = dpuClusterSpecProblems(dc.spec);
    if (problems.length > 0) {
      // The CRD's CEL rules refuse these; a spec written before the CRD had them lands here.
      return this.say(
        dc,
        'Error',
        'Valid',
        'InvalidSpec',
        `${problems.join('; ')}: fix the DPUCluster's spec`,
      );
    }
    if (clusterTypeOf(dc.spec) === 'kamaji') {
      const generation = dc.metadata.generation ?? 1;
      const desired = { generation, spec: dc.spec };
      const workflow = objectWorkflow(WorkflowType.dpuCluster, dpuClusterWorkflowId(ref), { ref, desired });
      await this.signalled.signal(
        dc.metadata.uid ?? ref.name,
        generation,
        workflow,
        dpuClusterSpecChangedSignal,
        desired,
      );
      // Until its workflow reports the control plane Ready, there is no kubeconfig to try.
      if (dc.status?.conditions?.find((c) => c.type === 'ControlPlaneReady')?.status !== 'True') return;
    }
    const { phase, reason, message } = await this.probe(dc);
    await this.say(dc, phase, 'Reachable', reason, message);
  }

  /** Writes the phase and one condition (True when Ready), and a Warning Event, when they changed. */
  private async say(
    dc: DpuClusterResource,
    phase: 'Ready' | 'Error',
    type: string,
    reason: string,
    message: string,
  ): Promise<void> {
    const cur = dc.status?.conditions?.find((c) => c.type === type);
    if (dc.status?.phase === phase && cur?.message === message) return;
    const ref = refOf(dc.metadata);
    await this.kube.patchStatus('DPUCluster', ref, {
      phase,
      conditions: setCondition(
        dc.status?.conditions,
        { type, status: phase === 'Ready' ? 'True' : 'False', reason, message },
        new Date().toISOString(),
      ),
    });
    if (phase !== 'Ready') await this.kube.event({ kind: 'DPUCluster', ref }, 'Warning', reason, message);
  }

  private async deleting(dc: DpuClusterResource): Promise<void> {
    if (!dc.metadata.finalizers?.includes(DPU_CLUSTER_FINALIZER)) return;
    const ref = refOf(dc.metadata);
    const ns = ref.namespace;
    const members = dpusInCluster(dc, this.look.dpus(ns)).map((d) => d.metadata.name);
    if (members.length > 0) {
      const message = `DPUCluster ${ns}/${ref.name} is not deleted while DPUs name it in spec.cluster.name: ${members.join(', ')}; delete them (or move them to another cluster) and it goes`;
      const cur = dc.status?.conditions?.find((c) => c.type === 'DeletionBlocked');
      if (cur?.message === message) return;
      await this.kube.patchStatus('DPUCluster', ref, {
        conditions: setCondition(
          dc.status?.conditions,
          { type: 'DeletionBlocked', status: 'True', reason: 'DpusRemain', message },
          new Date().toISOString(),
        ),
      });
      await this.kube.event({ kind: 'DPUCluster', ref }, 'Warning', 'DpusRemain', message);
      return;
    }
    if (clusterTypeOf(dc.spec) === 'kamaji') {
      const desired = { generation: dc.metadata.generation ?? 1, spec: dc.spec };
      const workflow = objectWorkflow(WorkflowType.dpuCluster, dpuClusterWorkflowId(ref), { ref, desired });
      await this.signalled.signal(
        dc.metadata.uid ?? ref.name,
        'delete',
        workflow,
        dpuClusterDeleteRequestedSignal,
      );
      return;
    }
    await this.releaseFinalizer(dc);
  }

  /** A static cluster made nothing: its finalizer goes as soon as no DPU names it (test-and-remove, so a concurrent edit wins). */
  private async releaseFinalizer(dc: DpuClusterResource): Promise<void> {
    const i = (dc.metadata.finalizers ?? []).indexOf(DPU_CLUSTER_FINALIZER);
    try {
      await this.kube.jsonPatch('DPUCluster', refOf(dc.metadata), [
        { op: 'test', path: `/metadata/finalizers/${i}`, value: DPU_CLUSTER_FINALIZER },
        { op: 'remove', path: `/metadata/finalizers/${i}` },
      ]);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async probe(
    dc: DpuClusterResource,
  ): Promise<{ phase: 'Ready' | 'Error'; reason: string; message: string }> {
    const ns = dc.metadata.namespace ?? 'default';
    const { name, key } = kubeconfigSecretOf(dc);
    const secret = await this.kube.getSecret(ns, name);
    const data = secret?.data?.[key];
    if (!data) {
      return {
        phase: 'Error',
        reason: 'KubeconfigMissing',
        message: `Secret ${ns}/${name} ${secret ? `has no key ${JSON.stringify(key)}` : 'does not exist'}: put the DPU cluster's kubeconfig there`,
      };
    }
    try {
      const kc = kubeConfigFromYaml(
        Buffer.from(data, 'base64').toString('utf8'),
        `Secret ${ns}/${name} key ${key}`,
      );
      const server = kc.getCurrentCluster()?.server;
      const nodes = await new Kube(kc).core.listNode();
      return {
        phase: 'Ready',
        reason: 'Reachable',
        message: `${server} answers (${nodes.items.length} nodes)`,
      };
    } catch (err) {
      return {
        phase: 'Error',
        reason: 'Unreachable',
        message: `the DPU cluster in Secret ${ns}/${name} cannot be reached: ${apiMessage(err)}`,
      };
    }
  }
}
