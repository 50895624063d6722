/**
 * Service-chain controller: turns the DPUServiceInterfaces and
 * DPUServiceChains of a namespace into one desired OVS state per DPU (the
 * pure planner, model/chain-planner.ts) and hands it to that DPU's
 * serviceChain workflow (signalWithStart servicechain-<ns>-<dpu>); reads the
 * workflows' state back into the objects' status.
 *
 *   any change ─▶ plan every DPU ─▶ new revision? signal desiredChain(rev)
 *   every statusInterval ─▶ query each workflow ─▶ status.dpus[], Ready condition
 *   deleting object ─▶ planned as gone ─▶ finalizer released once every DPU's
 *                      workflow has applied a revision without it
 *
 * A chain the planner refuses (an interface that is not there, …) is
 * planned nowhere and gets Ready=False reason Invalid, naming the field and
 * value. A DPU gets a workflow once something selects it; a DPU object that
 * goes away stops its workflow (its OVS is left as it is).
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { setCondition } from '../model/resources/conditions';
import type { Kube } from '../platform/kube/client';
import {
  CHAIN_FINALIZER,
  type ChainObjectStatus,
  type DpuServiceChainResource,
  type DpuServiceInterfaceResource,
  type PerDpuStatus,
} from '../model/resources/service-chain';
import {
  refOf,
  type DpuResource,
  type Kind,
  type KubeCondition,
  type Resource,
} from '../model/resources/common';
import { planDpu, type DpuPlan, type Refusal } from '../model/service-chain-planner';
import {
  chainStateQuery,
  desiredChainSignal,
  stopChainSignal,
  type ServiceChainState,
} from '../model/service-chain-api';
import { serviceChainWorkflowId } from '../model/workflow-ids';
import { WorkflowType } from '../model/workflow-types';
import { addFinalizer, objectWorkflow, SignalledOnce } from './object-workflow';

export interface ChainLookups {
  interfaces(namespace: string): DpuServiceInterfaceResource[];
  chains(namespace: string): DpuServiceChainResource[];
  dpus(namespace: string): DpuResource[];
}

export interface ChainSettings {
  /** The workflows' reconcile interval (seconds). */
  intervalSeconds: number;
  /** How long a DPU worker may take to pick a reconcile up (seconds). */
  scheduleToStartSeconds: number;
  iterationsPerRun?: number;
}

type ChainObject = DpuServiceInterfaceResource | DpuServiceChainResource;

const deleting = (o: ChainObject) => !!o.metadata.deletionTimestamp;

/** The plans of a namespace's DPUs and what their workflows last did, as status is written from them. */
interface Observed {
  plans: Map<string, DpuPlan>;
  states: Map<string, ServiceChainState>;
  /** The DPU's workflow has applied its current plan. */
  caughtUp(dpu: string): boolean;
}

/** Where an object stands on one DPU's plan: the port it has there, and whether OVS shows it. */
interface OnDpu {
  port?: string;
  present(s: ServiceChainState): boolean | undefined;
}

/** An interface on a DPU: its port, present once OVS shows it without error. */
function portOf(plan: DpuPlan, i: DpuServiceInterfaceResource): OnDpu | undefined {
  const port = plan.interfaces[i.metadata.name];
  if (!port) return undefined;
  return { port, present: (s) => s.observed?.ports.some((p) => p.name === port && !p.error) };
}

/** A chain on a DPU: present once OVS shows every one of its flows. */
function flowsOf(namespace: string): (plan: DpuPlan, c: DpuServiceChainResource) => OnDpu | undefined {
  return (plan, c) => {
    if (!plan.chains.includes(c.metadata.name)) return undefined;
    const flows = plan.desired.flows.filter((f) => f.chain === `${namespace}/${c.metadata.name}`);
    return {
      present: (s) =>
        flows.every((f) =>
          s.observed?.flows.some(
            (o) => o.cookie === f.cookie && o.match === f.match && o.actions === f.actions,
          ),
        ),
    };
  };
}

export class ChainController {
  /** Revision last signalled per DPU (`<namespace>/<dpu>`). */
  private readonly sent: SignalledOnce;
  /** DPUs whose workflow is known to run (true) or known not to (false). */
  private readonly running = new Map<string, boolean>();

  constructor(
    private readonly kube: Kube,
    private readonly temporal: Client,
    private readonly look: ChainLookups,
    private readonly settings: ChainSettings,
    private readonly log: (line: string) => void,
  ) {
    this.sent = new SignalledOnce(temporal);
  }

  async reconcile(namespace: string): Promise<void> {
    const interfaces = this.look.interfaces(namespace);
    const chains = this.look.chains(namespace);
    await this.addFinalizers('DPUServiceInterface', interfaces);
    await this.addFinalizers('DPUServiceChain', chains);

    const plans = this.plan(namespace, interfaces, chains);
    await this.handOut(namespace, plans);
    const observed = await this.observe(namespace, plans);

    await this.writeStatuses('DPUServiceInterface', interfaces, observed, (p) => p.interfaceRefusals, portOf);
    await this.writeStatuses('DPUServiceChain', chains, observed, (p) => p.chainRefusals, flowsOf(namespace));

    // Release finalizers of deleted objects once every running workflow has applied the plan without them.
    const allCaughtUp = [...plans.keys()].every(
      (dpu) => !this.running.get(`${namespace}/${dpu}`) || observed.caughtUp(dpu),
    );
    if (allCaughtUp) {
      await this.releaseFinalizers('DPUServiceChain', chains.filter(deleting));
      await this.releaseFinalizers('DPUServiceInterface', interfaces.filter(deleting));
    }
  }

  /** One plan per DPU of the namespace; objects being deleted are planned as gone. */
  private plan(
    namespace: string,
    interfaces: DpuServiceInterfaceResource[],
    chains: DpuServiceChainResource[],
  ): Map<string, DpuPlan> {
    const dpus = this.look.dpus(namespace).filter((d) => !d.metadata.deletionTimestamp);
    const plans = new Map<string, DpuPlan>();
    for (const dpu of dpus) {
      plans.set(
        dpu.metadata.name,
        planDpu({
          namespace,
          dpu: { name: dpu.metadata.name, labels: dpu.metadata.labels },
          interfaces: interfaces.map((i) => ({
            name: i.metadata.name,
            spec: i.spec,
            deleting: deleting(i),
            addresses: i.status?.addresses,
          })),
          chains: chains.map((c) => ({ name: c.metadata.name, spec: c.spec, deleting: deleting(c) })),
        }),
      );
    }
    return plans;
  }

  /** Hands each DPU's plan to its workflow; stops the workflows of DPUs that are gone. */
  private async handOut(namespace: string, plans: Map<string, DpuPlan>): Promise<void> {
    for (const [dpu, plan] of plans) {
      const key = `${namespace}/${dpu}`;
      const empty = plan.desired.ports.length === 0 && plan.desired.flows.length === 0;
      if (empty && !(await this.isRunning(namespace, dpu))) continue;
      if (this.sent.has(key, plan.revision)) continue;
      const workflow = objectWorkflow(WorkflowType.serviceChain, serviceChainWorkflowId(namespace, dpu), {
        namespace,
        dpu,
        intervalSeconds: this.settings.intervalSeconds,
        scheduleToStartSeconds: this.settings.scheduleToStartSeconds,
        ...(this.settings.iterationsPerRun ? { iterationsPerRun: this.settings.iterationsPerRun } : {}),
      });
      await this.sent.signal(key, plan.revision, workflow, desiredChainSignal, {
        revision: plan.revision,
        desired: plan.desired,
      });
      this.running.set(key, true);
      this.log(
        `service chains of DPU ${dpu}: revision ${plan.revision} (${plan.desired.ports.length} ports, ${plan.desired.flows.length} flows)`,
      );
    }
    for (const [key, isRunning] of this.running) {
      const [ns, dpu] = key.split('/');
      if (ns !== namespace || !isRunning || plans.has(dpu)) continue;
      await this.temporal.workflow
        .getHandle(serviceChainWorkflowId(namespace, dpu))
        .signal(stopChainSignal)
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
      this.running.set(key, false);
      this.sent.forget(key);
    }
  }

  /** What each DPU's workflow last did. */
  private async observe(namespace: string, plans: Map<string, DpuPlan>): Promise<Observed> {
    const states = new Map<string, ServiceChainState>();
    for (const dpu of plans.keys()) {
      if (!this.running.get(`${namespace}/${dpu}`)) continue;
      try {
        states.set(
          dpu,
          await this.temporal.workflow
            .getHandle(serviceChainWorkflowId(namespace, dpu))
            .query(chainStateQuery),
        );
      } catch (err) {
        this.log(`query of the service-chain workflow of DPU ${dpu} failed: ${(err as Error).message}`);
      }
    }
    return {
      plans,
      states,
      caughtUp: (dpu) => {
        const s = states.get(dpu);
        return !!s && s.appliedRevision === plans.get(dpu)?.revision;
      },
    };
  }

  /**
   * Status of each object not being deleted: a row per DPU its plan puts it
   * on (or refuses it on), Invalid with the first refusal's message.
   */
  private async writeStatuses<O extends ChainObject>(
    kind: Kind,
    objects: O[],
    { plans, states, caughtUp }: Observed,
    refusals: (plan: DpuPlan) => Refusal[],
    onDpu: (plan: DpuPlan, o: O) => OnDpu | undefined,
  ): Promise<void> {
    for (const o of objects) {
      if (deleting(o)) continue;
      const rows: PerDpuStatus[] = [];
      let invalid: string | undefined;
      let waiting: string | undefined;
      for (const [dpu, plan] of plans) {
        const refusal = refusals(plan).find((r) => r.name === o.metadata.name);
        if (refusal?.waiting) waiting ??= refusal.message;
        else if (refusal) invalid ??= refusal.message;
        if (refusal) {
          rows.push({ dpu, applied: false, message: refusal.message });
          continue;
        }
        const at = onDpu(plan, o);
        if (!at) continue;
        rows.push(this.row(dpu, states.get(dpu), caughtUp(dpu), at.port, at.present));
      }
      await this.writeStatus(kind, o, rows, invalid, waiting);
    }
  }

  /** A DPU row of an object's status: applied once the workflow caught up and OVS shows it. */
  private row(
    dpu: string,
    state: ServiceChainState | undefined,
    caughtUp: boolean,
    port: string | undefined,
    present: (s: ServiceChainState) => boolean | undefined,
  ): PerDpuStatus {
    if (!state) return { dpu, applied: false, message: 'waiting for the service-chain workflow' };
    const problem = port ? state.problems.find((p) => p.includes(` ${port} `)) : undefined;
    if (problem) return { dpu, applied: false, message: problem };
    if (caughtUp && present(state)) return { dpu, applied: true };
    if (state.error) return { dpu, applied: false, message: state.error };
    return { dpu, applied: false, message: caughtUp ? 'not present on OVS' : 'being applied' };
  }

  private async isRunning(namespace: string, dpu: string): Promise<boolean> {
    const key = `${namespace}/${dpu}`;
    const known = this.running.get(key);
    if (known !== undefined) return known;
    try {
      const d = await this.temporal.workflow.getHandle(serviceChainWorkflowId(namespace, dpu)).describe();
      this.running.set(key, d.status.name === 'RUNNING');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      this.running.set(key, false);
    }
    return this.running.get(key)!;
  }

  private async addFinalizers(kind: Kind, objects: ChainObject[]): Promise<void> {
    for (const o of objects)
      if (!deleting(o)) await addFinalizer(this.kube, kind, o.metadata, CHAIN_FINALIZER);
  }

  private async releaseFinalizers(kind: Kind, objects: ChainObject[]): Promise<void> {
    for (const o of objects) {
      const finalizers = o.metadata.finalizers ?? [];
      const i = finalizers.indexOf(CHAIN_FINALIZER);
      if (i < 0) continue;
      // A test on the list keeps another writer's finalizer change from being lost.
      await this.kube.jsonPatch(kind, refOf(o.metadata), [
        { op: 'test', path: `/metadata/finalizers/${i}`, value: CHAIN_FINALIZER },
        { op: 'remove', path: `/metadata/finalizers/${i}` },
      ]);
      this.log(`${kind} ${o.metadata.name}: ports and flows removed from every DPU, finalizer released`);
    }
  }

  private async writeStatus(
    kind: Kind,
    o: Resource<unknown, ChainObjectStatus>,
    rows: PerDpuStatus[],
    invalid: string | undefined,
    waiting?: string,
  ): Promise<void> {
    const generation = o.metadata.generation ?? 1;
    const pending = rows.filter((r) => !r.applied);
    const cond: Omit<KubeCondition, 'lastTransitionTime'> = invalid
      ? {
          type: 'Ready',
          status: 'False',
          reason: 'Invalid',
          message: invalid,
          observedGeneration: generation,
        }
      : waiting
        ? {
            type: 'Ready',
            status: 'False',
            reason: 'WaitingForAddress',
            message: waiting,
            observedGeneration: generation,
          }
        : pending.length > 0
          ? {
              type: 'Ready',
              status: 'False',
              reason: pending.some((r) => r.message && !/being applied|waiting/.test(r.message))
                ? 'Error'
                : 'Pending',
              message: pending.map((r) => `${r.dpu}: ${r.message ?? 'not applied'}`).join('; '),
              observedGeneration: generation,
            }
          : {
              type: 'Ready',
              status: 'True',
              reason: 'Applied',
              message:
                rows.length > 0 ? `applied on ${rows.map((r) => r.dpu).join(', ')}` : 'no DPU selected',
              observedGeneration: generation,
            };
    const cur = o.status?.conditions?.find((c) => c.type === 'Ready');
    const same =
      cur?.status === cond.status &&
      cur.reason === cond.reason &&
      cur.message === cond.message &&
      cur.observedGeneration === generation &&
      sameRows(o.status?.dpus ?? [], rows);
    if (same) return;
    if (invalid && cur?.message !== invalid)
      await this.kube.event({ kind, ref: refOf(o.metadata) }, 'Warning', 'Invalid', invalid);
    await this.kube.patchStatus(kind, refOf(o.metadata), {
      observedGeneration: generation,
      dpus: rows,
      conditions: setCondition(o.status?.conditions, cond, new Date().toISOString()),
    });
  }
}

/** Rows equal field by field (the API server gives fields back in its own order). */
function sameRows(a: PerDpuStatus[], b: PerDpuStatus[]): boolean {
  const key = (r: PerDpuStatus) => `${r.dpu}|${r.applied}|${r.message ?? ''}`;
  return a.length === b.length && a.every((r, i) => key(r) === key(b[i]));
}
