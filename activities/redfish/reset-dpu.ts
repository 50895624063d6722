/**
 * Resets the DPU through its BMC: `ComputerSystem.Reset` on the BMC's
 * ComputerSystem (found from the service root, not a hard-coded path), so the
 * DPU boots the OS the update installed. ForceRestart as DPF asks for the
 * DPU's Arm (NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/redfish/client/client.go,
 * commit 07b57881ac801b42d7385ff98dd97e58182b67f1, ResetRequest).
 */
import { Context } from '@temporalio/activity';
import { withBmc, type RedfishCallInput, type RedfishDeps } from './session';
import type { ComputerSystem } from './redfish-port';

export const DPU_RESET_TYPE = 'ForceRestart';

export interface RedfishResetDpuResult {
  system: string;
  resetType: string;
}

/** The BlueField's ComputerSystem: `Systems/Bluefield` on a BlueField BMC, else the only one. */
export function dpuSystem(systems: ComputerSystem[]): ComputerSystem | undefined {
  return (
    systems.find((s) => /\/Bluefield\/?$/i.test(s['@odata.id'])) ??
    (systems.length === 1 ? systems[0] : undefined)
  );
}

export function resetDpuActivity(deps: RedfishDeps) {
  return {
    async redfishResetDpu(input: RedfishCallInput): Promise<RedfishResetDpuResult> {
      const ctx = Context.current();
      return withBmc(deps, input, 'reset the DPU', async (s) => {
        const systems = await s.systems();
        ctx.heartbeat({ step: 'found the DPU system' });
        const sys = dpuSystem(systems);
        if (!sys) {
          throw Object.assign(
            new Error(
              `no BlueField ComputerSystem among ${systems.map((x) => x['@odata.id']).join(', ') || 'no Systems'}`,
            ),
            { kind: 'NotFound' },
          );
        }
        await s.reset(sys['@odata.id'], DPU_RESET_TYPE);
        return { system: sys['@odata.id'], resetType: DPU_RESET_TYPE };
      });
    },
  };
}
