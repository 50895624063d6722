/**
 * Initializing: ask the host worker what the PF looks like. An unknown node,
 * an unknown PCI address or numVfs over sriov_totalvfs stops here, before
 * anything is written anywhere.
 */
import { Phase } from '../../../model/phases';
import type { ProvisionPhase } from '../context';

export const initializing: ProvisionPhase = {
  phase: Phase.Initializing,
  async run(ctx) {
    const { spec } = ctx;
    const probe = await ctx.host.probeHost({ pciAddress: spec.pciAddress, numVfs: spec.numVfs });
    ctx.learnt.hostBefore = { totalVfs: probe.totalVfs, numVfs: probe.numVfs };
    return {
      done: `host ${spec.node} reports PF ${spec.pciAddress} (sriov_totalvfs ${probe.totalVfs}, ${probe.numVfs} VFs now)`,
    };
  },
};
