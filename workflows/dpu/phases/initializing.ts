/**
 * Initializing: ask the host worker what the PF looks like. An unknown node,
 * an unknown PCI address or numVfs over sriov_totalvfs stops here, before
 * anything is written anywhere.
 */
import type { FlowContext, PhaseOutcome } from '../context';

export async function initializing(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec } = ctx;
  const probe = await ctx.host.probeHost({ pciAddress: spec.pciAddress, numVfs: spec.numVfs });
  ctx.learnt.hostBefore = { totalVfs: probe.totalVfs, numVfs: probe.numVfs };
  return {
    done: `host ${spec.node} reports PF ${spec.pciAddress} (sriov_totalvfs ${probe.totalVfs}, ${probe.numVfs} VFs now)`,
  };
}
