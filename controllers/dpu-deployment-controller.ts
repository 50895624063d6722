/**
 * DPUDeployment controller: checks a deployment, makes what it describes, and
 * tells its one DpuDeployment workflow the plan.
 *
 *   a template, configuration, BFB or flavor it names is missing
 *        ─▶ PrerequisitesReady False naming it (and the field), Event; nothing made; it waits
 *           (a template or configuration appearing queues the deployment again)
 *   the services do not fit the flavor's DPU resources
 *        ─▶ ResourceFittingReady False naming the services, the resource and the amounts; nothing changed
 *   the BFB's versions do not satisfy a template's spec.versions
 *        ─▶ VersionMatchingReady False naming the template, the constraint and the BFB's version; nothing changed
 *   no finalizer ─▶ add it (a deleted deployment's workflow removes what it made, in order)
 *   all hold ─▶ DPUSets (OnDelete), a DPUService per service revision, DPUServiceInterfaces, the
 *           DPUServiceChain, all owned by the deployment ─▶ signalWithStart(dpudeployment-<ns>-<name>-<uid8>,
 *           deploymentPlanned{generation, revision, serviceLabels, …}) ─▶ the workflow rolls each DPU once
 *           (a new template: drain, flash, services) or moves its service labels only (no drain)
 *   deleted ─▶ signalWithStart(…, deploymentDeleted) ─▶ the workflow deletes the services, chain and
 *           interfaces, then the DPUSets, and releases the finalizer
 *
 * The checks are DPF's (conditions PrerequisitesReady, ResourceFittingReady,
 * VersionMatchingReady: NVIDIA/doca-platform api/dpuservice/v1alpha1/dpudeployment_types.go
 * @05b8850f53b5ed24db3e45190484d4b947679b0c).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kube } from '../platform/kube/client';
import { setCondition } from '../model/resources/conditions';
import {
  DPUSET_LABEL,
  TEMPLATE_HASH_ANNOTATION,
  refOf,
  type BfbResource,
  type DpuFlavorResource,
  type DpuResource,
  type DpuTemplateSpec,
  type KubeCondition,
} from '../model/resources/common';
import {
  DPU_DEPLOYMENT_FINALIZER,
  type DpuDeploymentResource,
  type DpuServiceConfigurationResource,
  type DpuServiceTemplateResource,
} from '../model/resources/dpu-deployment';
import {
  deploymentDpuSetName,
  mergeValues,
  resourceFitProblem,
  serviceRevisionLabelKey,
  versionProblems,
} from '../model/dpu-deployment';
import {
  deploymentDeletedSignal,
  deploymentDpusChangedSignal,
  deploymentPlannedSignal,
  type DeploymentPlan,
  type DpuDeploymentInput,
} from '../model/dpu-deployment-api';
import { resolveMaxUnavailable } from '../model/dpuset-api';
import { dpuDeploymentWorkflowId } from '../model/workflow-ids';
import { WorkflowType } from '../model/workflow-types';
import { addFinalizer, objectWorkflow, SignalledOnce } from './object-workflow';
import { templateHash } from './template-hash';
import { applyChain, applyDpuServices, applyDpuSets, type ResolvedService } from './dpu-deployment-objects';
import { isDpuReady } from '../activities/kube/dpuset';

export interface DpuDeploymentLookups {
  deployment(namespace: string, name: string): DpuDeploymentResource | undefined;
  template(namespace: string, name: string): DpuServiceTemplateResource | undefined;
  configuration(namespace: string, name: string): DpuServiceConfigurationResource | undefined;
  bfb(namespace: string, name: string): BfbResource | undefined;
  flavor(namespace: string, name: string): DpuFlavorResource | undefined;
  dpus(namespace: string): DpuResource[];
}

export interface DpuDeploymentSettings {
  /** How long one DPU may take from its update to Ready (default 1800 s). */
  settleTimeoutSeconds?: number;
  /** How often the workflow looks for DPUs the sets made meanwhile (default 30 s). */
  pollSeconds?: number;
  /** How long one DPU's services may take to run once its node is labelled (default 600 s). */
  servicesTimeoutSeconds?: number;
}

type Cond = Omit<KubeCondition, 'lastTransitionTime'>;
const CHECKS = ['PrerequisitesReady', 'ResourceFittingReady', 'VersionMatchingReady'] as const;

export class DpuDeploymentController {
  private readonly signalled: SignalledOnce;
  /** Each deployment's workflow ID by key, so a deployment gone from the cache can still be told. */
  private readonly workflowOf = new Map<string, { uid: string; workflowId: string }>();
  /** What each deployment's workflow was last told of its DPUs (by deployment uid). */
  private readonly dpusTold = new Map<string, string>();

  constructor(
    private readonly kube: Kube,
    private readonly temporal: Client,
    private readonly look: DpuDeploymentLookups,
    private readonly settings: DpuDeploymentSettings = {},
  ) {
    this.signalled = new SignalledOnce(temporal);
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    const dep = this.look.deployment(namespace, name);
    const key = `${namespace}/${name}`;
    if (!dep) return this.deleted(key);
    if (dep.metadata.deletionTimestamp) return this.deleting(dep, key);
    // Kept until its workflow removed what it made, in order (the update event brings it back here).
    if (await addFinalizer(this.kube, 'DPUDeployment', dep.metadata, DPU_DEPLOYMENT_FINALIZER)) return;
    const ref = refOf(dep.metadata);
    const generation = dep.metadata.generation ?? 1;

    // 1. What it names must exist.
    const missing = this.missingPrerequisites(dep);
    if (missing.length) {
      const reason = missing[0].reason;
      const message = `waiting for ${missing.map((m) => m.what).join('; ')} in namespace ${namespace}: create ${missing.length > 1 ? 'them' : 'it'} or fix the name`;
      return this.refuse(dep, { type: 'PrerequisitesReady', status: 'False', reason, message });
    }
    const resolved = this.resolve(dep);

    // 2. The checks, before anything changes.
    const flavorName = dep.spec.dpus.flavor;
    const flavor = flavorName ? this.look.flavor(namespace, flavorName) : undefined;
    const fit = resourceFitProblem(
      flavorName,
      flavor?.spec,
      resolved.map((r) => ({
        service: r.service,
        template: r.template.metadata.name,
        requirements: r.template.spec.resourceRequirements,
      })),
    );
    if (fit)
      return this.refuse(dep, {
        type: 'ResourceFittingReady',
        status: 'False',
        reason: 'ResourcesDoNotFit',
        message: `${fit}; nothing was changed`,
      });
    const bfb = this.look.bfb(namespace, dep.spec.dpus.bfb)!;
    const versions = versionProblems(
      bfb.metadata.name,
      bfb.spec.versions,
      resolved.map((r) => ({ template: r.template.metadata.name, versions: r.template.spec.versions })),
    );
    if (versions.length)
      return this.refuse(dep, {
        type: 'VersionMatchingReady',
        status: 'False',
        reason: 'VersionMismatch',
        message: `${versions.join('; ')}; nothing was changed`,
      });
    const badPort = this.unknownChainInterface(dep, resolved);
    if (badPort)
      return this.refuse(dep, {
        type: 'PrerequisitesReady',
        status: 'False',
        reason: 'InterfaceNotFound',
        message: badPort,
      });

    // 3. Make what it describes.
    const services: ResolvedService[] = resolved.map((r) => {
      const source = r.template.spec.helmChart.source;
      const values = mergeValues(
        r.template.spec.helmChart.values,
        r.configuration.spec.serviceConfiguration?.helmChart?.values,
      );
      const revision = templateHash({ source, values });
      return {
        service: r.service,
        revision,
        interfaces: r.configuration.spec.interfaces ?? [],
        spec: {
          helmChart: { source, values },
          namespace,
          nodeSelector: { [serviceRevisionLabelKey(name, r.service)]: revision },
          clusters: [dep.spec.dpus.cluster!.name],
        },
      };
    });
    // The service revision labels are not in the DPU template: a change of the services only moves the
    // labels of the DPUs' nodes (the workflow's services step), with no new template, drain or flash. DPF
    // likewise updates a DPU's node labels in place and re-provisions it only for a new BFB or flavor
    // (NVIDIA/doca-platform internal/provisioning/controllers/dpuset/dpuset_controller.go needUpdate
    // @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f).
    const serviceLabels = Object.fromEntries(
      services.map((s) => [serviceRevisionLabelKey(name, s.service), s.revision]),
    );
    const template: DpuTemplateSpec = {
      bfb: dep.spec.dpus.bfb,
      ...(flavorName ? { flavor: flavorName } : {}),
      ...(dep.spec.dpus.numVfs !== undefined ? { numVfs: dep.spec.dpus.numVfs } : {}),
      ...(dep.spec.dpus.nodeEffect ? { nodeEffect: dep.spec.dpus.nodeEffect } : {}),
      cluster: {
        name: dep.spec.dpus.cluster!.name,
        nodeLabels: { ...(dep.spec.dpus.cluster!.nodeLabels ?? {}) },
      },
    };
    const serviceNames = await applyDpuServices(this.kube, dep, services);
    const sets = await applyDpuSets(this.kube, dep, template);
    const setNames = sets.map((s) => s.metadata.name);
    await applyChain(this.kube, dep, services, setNames);
    // The revision as the DPUSet controller hashes the stored template (API server defaults included), so DPUs
    // a set makes from now on already count as moved.
    const revision = templateHash(sets[0].spec.dpuTemplate);
    const servicesRevision = templateHash(serviceLabels);
    const mine = this.dpusOf(namespace, setNames);
    // The DPUServices of older revisions go when the workflow has moved every DPU off them.

    // 4. Tell the workflow.
    const plan: DeploymentPlan = {
      generation,
      revision,
      template: sets[0].spec.dpuTemplate.spec,
      serviceLabels,
      servicesRevision,
      servicesTimeoutSeconds: this.settings.servicesTimeoutSeconds ?? 600,
      dpuSets: setNames,
      services: services.map((s) => ({
        service: s.service,
        revision: s.revision,
        dpuService: serviceNames[s.service],
        chart: s.spec.helmChart.source.chart,
        version: s.spec.helmChart.source.version,
      })),
      maxUnavailable: resolveMaxUnavailable(
        dep.spec.dpus.dpuSetStrategy?.rollingUpdate?.maxUnavailable,
        Math.max(1, mine.length),
      ),
      settleTimeoutSeconds: this.settings.settleTimeoutSeconds ?? 1800,
    };
    const workflowId = dpuDeploymentWorkflowId(ref);
    const uid = dep.metadata.uid ?? key;
    this.workflowOf.set(key, { uid, workflowId });
    const input: DpuDeploymentInput = {
      ref,
      ...(this.settings.pollSeconds ? { pollSeconds: this.settings.pollSeconds } : {}),
    };
    await this.signalled.signal(
      uid,
      `${generation}/${revision}/${servicesRevision}`,
      objectWorkflow(WorkflowType.dpuDeployment, workflowId, input),
      deploymentPlannedSignal,
      plan,
    );
    await this.tellDpusChanged(uid, workflowId, mine);
    await this.writeChecked(dep, revision, workflowId);
  }

  /**
   * Wakes the workflow's rollout when what it reads of the sets' DPUs (readDpuSetHealth: each DPU's
   * phase, readiness at its generation and template hash) changed since it was last told: a DPU the
   * set made, or whose own flow ended Ready or in Error, is seen at once, not at the next poll.
   */
  private async tellDpusChanged(uid: string, workflowId: string, dpus: DpuResource[]): Promise<void> {
    const seen = dpus
      .map(
        (d) =>
          `${d.metadata.name} ${d.status?.phase ?? 'Unknown'} ${isDpuReady(d)} ${d.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION] ?? ''}`,
      )
      .sort()
      .join('\n');
    const told = this.dpusTold.get(uid);
    if (told === seen || (told === undefined && !dpus.length)) return;
    try {
      await this.temporal.workflow.getHandle(workflowId).signal(deploymentDpusChangedSignal);
    } catch (err) {
      // Ended (the deployment was deleted and its teardown finished): nothing left to wake.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    this.dpusTold.set(uid, seen);
  }

  /** The DPUs of these DPUSets, from the cache. */
  private dpusOf(namespace: string, setNames: string[]): DpuResource[] {
    return this.look
      .dpus(namespace)
      .filter((d) => setNames.includes(d.metadata.labels?.[DPUSET_LABEL] ?? ''));
  }

  /** Names each template, configuration, BFB and flavor the deployment names and the cache does not hold. */
  private missingPrerequisites(dep: DpuDeploymentResource): Array<{ what: string; reason: string }> {
    const ns = dep.metadata.namespace!;
    const out: Array<{ what: string; reason: string }> = [];
    for (const [svc, ref] of Object.entries(dep.spec.services).sort(([a], [b]) => a.localeCompare(b))) {
      const t = this.look.template(ns, ref.serviceTemplate);
      if (!t)
        out.push({
          what: `DPUServiceTemplate ${ref.serviceTemplate} (spec.services.${svc}.serviceTemplate)`,
          reason: 'ServiceTemplateNotFound',
        });
      else if (t.spec.deploymentServiceName !== svc)
        out.push({
          what: `a DPUServiceTemplate for service ${svc}: ${ref.serviceTemplate} is for ${t.spec.deploymentServiceName} (its spec.deploymentServiceName)`,
          reason: 'ServiceTemplateMismatch',
        });
      const c = this.look.configuration(ns, ref.serviceConfiguration);
      if (!c)
        out.push({
          what: `DPUServiceConfiguration ${ref.serviceConfiguration} (spec.services.${svc}.serviceConfiguration)`,
          reason: 'ServiceConfigurationNotFound',
        });
      else if (c.spec.deploymentServiceName !== svc)
        out.push({
          what: `a DPUServiceConfiguration for service ${svc}: ${ref.serviceConfiguration} is for ${c.spec.deploymentServiceName} (its spec.deploymentServiceName)`,
          reason: 'ServiceConfigurationMismatch',
        });
    }
    if (!this.look.bfb(ns, dep.spec.dpus.bfb))
      out.push({ what: `BFB ${dep.spec.dpus.bfb} (spec.dpus.bfb)`, reason: 'BFBNotFound' });
    if (dep.spec.dpus.flavor && !this.look.flavor(ns, dep.spec.dpus.flavor))
      out.push({ what: `DPUFlavor ${dep.spec.dpus.flavor} (spec.dpus.flavor)`, reason: 'DPUFlavorNotFound' });
    return out;
  }

  private resolve(dep: DpuDeploymentResource) {
    const ns = dep.metadata.namespace!;
    return Object.entries(dep.spec.services)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, ref]) => ({
        service,
        template: this.look.template(ns, ref.serviceTemplate)!,
        configuration: this.look.configuration(ns, ref.serviceConfiguration)!,
      }));
  }

  /** A chain port naming an interface its service's configuration does not list. */
  private unknownChainInterface(
    dep: DpuDeploymentResource,
    resolved: ReturnType<DpuDeploymentController['resolve']>,
  ): string | undefined {
    for (const [si, sw] of (dep.spec.serviceChains?.switches ?? []).entries())
      for (const [pi, p] of sw.ports.entries()) {
        if (!p.service) continue;
        const r = resolved.find((x) => x.service === p.service!.name);
        const listed = r?.configuration.spec.interfaces?.map((i) => i.name) ?? [];
        if (!listed.includes(p.service.interface))
          return `spec.serviceChains.switches[${si}].ports[${pi}].service.interface ${p.service.interface} is not an interface of service ${p.service.name} (its DPUServiceConfiguration lists ${listed.join(', ') || 'none'}): fix the name or add the interface; nothing was changed`;
      }
    return undefined;
  }

  /** A failed check: that condition False (the later checks dropped: not made), an Event once per message; nothing else. */
  private async refuse(dep: DpuDeploymentResource, cond: Cond): Promise<void> {
    const generation = dep.metadata.generation ?? 1;
    const now = new Date().toISOString();
    const had = dep.status?.conditions?.find((c) => c.type === cond.type);
    if (
      had?.message === cond.message &&
      had.status === cond.status &&
      dep.status?.observedGeneration === generation
    )
      return;
    let conditions = setCondition(dep.status?.conditions, { ...cond, observedGeneration: generation }, now);
    // The checks after the failed one were not made.
    for (const t of CHECKS.slice(CHECKS.indexOf(cond.type as (typeof CHECKS)[number]) + 1))
      conditions = conditions.filter((c) => c.type !== t);
    const ref = refOf(dep.metadata);
    await this.kube.patchStatus('DPUDeployment', ref, { observedGeneration: generation, conditions });
    await this.kube.event({ kind: 'DPUDeployment', ref }, 'Warning', cond.reason, cond.message);
  }

  /** Every check True, the revision and the workflow in status, when they changed. */
  private async writeChecked(
    dep: DpuDeploymentResource,
    revision: string,
    workflowId: string,
  ): Promise<void> {
    const generation = dep.metadata.generation ?? 1;
    const s = dep.status ?? {};
    const allTrue = CHECKS.every((t) => s.conditions?.find((c) => c.type === t)?.status === 'True');
    if (
      allTrue &&
      s.revision === revision &&
      s.workflowId === workflowId &&
      s.observedGeneration === generation
    )
      return;
    const now = new Date().toISOString();
    let conditions = s.conditions;
    const ok: Record<(typeof CHECKS)[number], string> = {
      PrerequisitesReady: 'every template, configuration, BFB and flavor it names exists',
      ResourceFittingReady: 'the services fit the DPU resources of the flavor',
      VersionMatchingReady: 'the BFB satisfies the versions of every template',
    };
    for (const t of CHECKS)
      conditions = setCondition(
        conditions,
        { type: t, status: 'True', reason: 'Checked', message: ok[t], observedGeneration: generation },
        now,
      );
    await this.kube.patchStatus('DPUDeployment', refOf(dep.metadata), {
      observedGeneration: generation,
      revision,
      workflowId,
      conditions,
    });
  }

  /**
   * A deployment being deleted (its finalizer holds it): its workflow is told once, started if it never
   * was (one that waited for a template); the workflow removes what it made and releases the finalizer.
   */
  private async deleting(dep: DpuDeploymentResource, key: string): Promise<void> {
    if (!dep.metadata.finalizers?.includes(DPU_DEPLOYMENT_FINALIZER)) return this.deleted(key);
    const ref = refOf(dep.metadata);
    const uid = dep.metadata.uid ?? key;
    const input: DpuDeploymentInput = {
      ref,
      ...(this.settings.pollSeconds ? { pollSeconds: this.settings.pollSeconds } : {}),
    };
    await this.signalled.signal(
      uid,
      'delete',
      objectWorkflow(WorkflowType.dpuDeployment, dpuDeploymentWorkflowId(ref), input),
      deploymentDeletedSignal,
    );
    // Its teardown waits for the sets' DPUs to go: each one gone wakes it.
    const setNames = dep.spec.dpus.dpuSets.map((s) => deploymentDpuSetName(dep.metadata.name, s.nameSuffix));
    const mine = this.dpusOf(dep.metadata.namespace!, setNames);
    await this.tellDpusChanged(uid, dpuDeploymentWorkflowId(ref), mine);
    this.workflowOf.delete(key);
  }

  /** A deployment gone without the finalizer (made before it): its workflow is told once. */
  private async deleted(key: string): Promise<void> {
    const known = this.workflowOf.get(key);
    if (!known || this.signalled.has(known.uid, 'delete')) return;
    try {
      await this.temporal.workflow.getHandle(known.workflowId).signal(deploymentDeletedSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    this.signalled.remember(known.uid, 'delete');
    this.dpusTold.delete(known.uid);
    this.workflowOf.delete(key);
  }
}
