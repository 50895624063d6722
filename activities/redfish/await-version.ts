/**
 * Waits, heartbeating, until the DPU has booted the BFB just installed: the
 * BMC's ComputerSystem reports the OS running (BootProgress.OemLastState
 * `OsIsRunning` where the BMC reports it, as NVIDIA DPF waits for it:
 * NVIDIA/doca-platform, internal/provisioning/controllers/dpu/state/redfish/rebooting.go,
 * commit 17e322d7b0de9a1818dd4d8da68afaa4e101f7f2) and the DPU OS entry of
 * the firmware inventory names the version expected (firmware.ts).
 */
import { waitUntil } from '../wait-until';
import { dpuOsVersion } from './firmware';
import { dpuSystem } from './reset-dpu';
import { bootTimeout } from './failures';
import { withBmc, type RedfishCallInput, type RedfishDeps } from './session';
import { timeoutMessage } from '../wait-until';

export const OS_RUNNING = 'OsIsRunning';

export interface RedfishAwaitVersionInput extends RedfishCallInput {
  /** The version the DPU OS must report. */
  expected: string;
  timeoutSeconds: number;
  pollSeconds: number;
}

export interface RedfishAwaitVersionResult {
  version: string;
  bootState?: string;
}

export function awaitVersionActivity(deps: RedfishDeps) {
  return {
    async redfishAwaitVersion(input: RedfishAwaitVersionInput): Promise<RedfishAwaitVersionResult> {
      const what = `DPU ${input.namespace}/${input.dpu} to boot ${input.expected} (BMC ${input.bmc.address})`;
      return withBmc(deps, input, `read the DPU's OS version`, (s, t) =>
        waitUntil<RedfishAwaitVersionResult>({
          what,
          timeoutSeconds: input.timeoutSeconds,
          pollSeconds: input.pollSeconds,
          look: async () => {
            const sys = dpuSystem(await s.systems());
            const bootState = sys?.BootProgress?.OemLastState;
            const version = await dpuOsVersion(s);
            const running = bootState === undefined || bootState === OS_RUNNING;
            if (running && version === input.expected) {
              return { done: { version: input.expected, ...(bootState ? { bootState } : {}) } };
            }
            return {
              seen: `boot state ${bootState ?? 'not reported'}, DPU OS version ${version ?? 'none'}`,
              details: { bootState, version },
            };
          },
          onTimeout: (seen) => {
            throw bootTimeout(
              t,
              timeoutMessage(
                {
                  what,
                  timeoutSeconds: input.timeoutSeconds,
                  hint: `check the DPU's console through the BMC, then retry from "Rebooting" (or "OS Installing" if the install did not take)`,
                },
                seen,
              ),
            );
          },
        }),
      );
    },
  };
}
