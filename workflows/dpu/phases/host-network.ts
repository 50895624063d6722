/**
 * Host Network Configuration: the VFs on the host PF, set by the host worker
 * (always through 0, never over sriov_totalvfs). The undo is registered
 * before the change, so a failure half-way still puts the old count back.
 */
import { Phase } from '../../../model/phases';
import type { UndoablePhase } from '../context';

export const hostNetworkConfiguration: UndoablePhase = {
  phase: Phase.HostNetworkConfiguration,
  async run(ctx) {
    const { spec, host } = ctx;
    const previous =
      ctx.learnt.hostBefore?.numVfs ??
      (await host.probeHost({ pciAddress: spec.pciAddress, numVfs: spec.numVfs })).numVfs;
    ctx.undo.add(hostNetworkConfiguration.undo({ ...ctx, vfsBefore: previous }));
    const r = await host.configureVfs({ pciAddress: spec.pciAddress, numVfs: spec.numVfs });
    return {
      done:
        r.previous === r.current
          ? `${spec.pciAddress} already has ${r.current} VFs`
          : `sriov_numvfs of ${spec.pciAddress}: ${r.previous} → ${r.current}`,
    };
  },
  undo({ spec, host, vfsBefore = 0 }) {
    return {
      describe: `restore sriov_numvfs of ${spec.pciAddress} on ${spec.node} to ${vfsBefore}`,
      run: async () => {
        await host.restoreVfs({ pciAddress: spec.pciAddress, numVfs: vfsBefore });
      },
    };
  },
};
