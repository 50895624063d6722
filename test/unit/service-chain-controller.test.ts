/**
 * The chain controller against recording fakes of the Kubernetes and
 * Temporal clients: what it signals, the status it writes, and when it
 * releases a deleted chain's finalizer.
 */
import type { Client } from '@temporalio/client';
import { ChainController } from '../../controllers/service-chain-controller';
import type { Kube } from '../../platform/kube/client';
import {
  CHAIN_FINALIZER,
  type DpuServiceChainResource,
  type DpuServiceInterfaceResource,
} from '../../model/resources/service-chain';
import type { DpuResource } from '../../model/resources/common';
import type { DesiredChainState, ServiceChainState } from '../../model/service-chain-api';

const NS = 'ns';
const meta = (name: string, extra: object = {}) => ({ name, namespace: NS, generation: 1, ...extra });
const dpu: DpuResource = {
  apiVersion: 'v',
  kind: 'DPU',
  metadata: meta('d1', { labels: { sfc: 'yes' } }),
  spec: { nodeName: 'n', pciAddress: '0000:03:00.0', bfb: 'b' },
};
const iface = (name: string, pfId: number): DpuServiceInterfaceResource => ({
  apiVersion: 'v',
  kind: 'DPUServiceInterface',
  metadata: meta(name, { finalizers: [CHAIN_FINALIZER] }),
  spec: { interfaceType: 'pf', pf: { pfId } },
});
const chain = (name: string, ports: string[], extra: object = {}): DpuServiceChainResource => ({
  apiVersion: 'v',
  kind: 'DPUServiceChain',
  metadata: meta(name, { finalizers: [CHAIN_FINALIZER], ...extra }),
  spec: { switches: [{ ports: ports.map((serviceInterface) => ({ serviceInterface })) }] },
});

function setup(interfaces: DpuServiceInterfaceResource[], chains: DpuServiceChainResource[]) {
  const calls: string[] = [];
  const statuses: Array<{
    kind: string;
    name: string;
    status: { conditions?: Array<{ reason: string; message: string }> };
  }> = [];
  const signalled: DesiredChainState[] = [];
  let applied: string | undefined;
  const kube = {
    patch: async (kind: string, ref: { name: string }) => void calls.push(`patch ${kind} ${ref.name}`),
    patchStatus: async (kind: string, ref: { name: string }, status: object) =>
      void statuses.push({ kind, name: ref.name, status: status as never }),
    jsonPatch: async (kind: string, ref: { name: string }) => void calls.push(`release ${kind} ${ref.name}`),
    event: async (o: { kind: string; ref: { name: string } }, type: string, reason: string) =>
      void calls.push(`event ${o.ref.name} ${type} ${reason}`),
  } as unknown as Kube;
  const temporal = {
    workflow: {
      signalWithStart: async (_t: string, o: { workflowId: string; signalArgs: [DesiredChainState] }) => {
        calls.push(`signalWithStart ${o.workflowId}`);
        signalled.push(o.signalArgs[0]);
      },
      getHandle: () => ({
        describe: async () => ({ status: { name: 'RUNNING' } }),
        signal: async () => void calls.push('signal'),
        query: async (): Promise<ServiceChainState> => ({
          dpu: 'd1',
          appliedRevision: applied,
          desiredRevision: signalled.at(-1)?.revision,
          lastChanges: [],
          problems: [],
          stopping: false,
          observed: {
            ports: (signalled.at(-1)?.desired.ports ?? []).map((p) => ({ ...p, owned: true })),
            flows: (signalled.at(-1)?.desired.flows ?? []).map((f) => ({ ...f, owned: true })),
          },
        }),
      }),
    },
  } as unknown as Client;
  const ctl = new ChainController(
    kube,
    temporal,
    { interfaces: () => interfaces, chains: () => chains, dpus: () => [dpu] },
    { intervalSeconds: 1, scheduleToStartSeconds: 5 },
    () => undefined,
  );
  return { ctl, calls, statuses, signalled, apply: () => (applied = signalled.at(-1)?.revision) };
}

test('a refused chain gets Invalid status with the field and value and a Warning event; only the good chain is signalled', async () => {
  const t = setup(
    [iface('a', 0), iface('b', 1)],
    [chain('good', ['a', 'b']), chain('bad', ['a', 'nope'], {})],
  );
  await t.ctl.reconcile(NS);
  expect(t.signalled).toHaveLength(1);
  expect(new Set(t.signalled[0].desired.flows.map((f) => f.chain))).toEqual(new Set(['ns/good']));
  const bad = t.statuses.find((s) => s.name === 'bad')!.status.conditions![0];
  expect(bad.reason).toBe('Invalid');
  expect(bad.message).toContain(
    'spec.switches[0].ports[1].serviceInterface: DPUServiceInterface "nope" does not exist',
  );
  expect(t.calls).toContain('event bad Warning Invalid');
  // Applied by the workflow: the good chain turns Ready.
  t.apply();
  await t.ctl.reconcile(NS);
  const good = t.statuses.filter((s) => s.name === 'good').at(-1)!.status.conditions![0];
  expect(good.reason).toBe('Applied');
});

test("a deleted chain's finalizer is released only once the DPU's workflow applied a plan without it", async () => {
  const chains = [chain('web', ['a', 'b'])];
  const t = setup([iface('a', 0), iface('b', 1)], chains);
  await t.ctl.reconcile(NS);
  t.apply();
  chains[0] = {
    ...chains[0],
    metadata: { ...chains[0].metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
  };
  await t.ctl.reconcile(NS);
  expect(t.signalled.at(-1)!.desired.flows).toEqual([]);
  expect(t.calls.filter((c) => c.startsWith('release'))).toEqual([]);
  t.apply();
  await t.ctl.reconcile(NS);
  expect(t.calls.filter((c) => c.startsWith('release'))).toEqual(['release DPUServiceChain web']);
});
