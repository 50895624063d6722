/**
 * Waits, heartbeating, until the DPU has booted the BFB just installed: the
 * BMC's ComputerSystem reports the OS running (BootProgress.OemLastState
 * `OsIsRunning` where the BMC reports it, as NVIDIA DPF waits for it:
 * NVIDIA/doca-platform, internal/provisioning/controllers/dpu/state/redfish/rebooting.go,
 * commit 17e322d7b0de9a1818dd4d8da68afaa4e101f7f2) and the DPU OS entry of
 * the firmware inventory names the version expected (firmware.ts).
 *
 * What is expected, as NVIDIA DPF checks it after a Redfish install: the BMC's
 * `FirmwareInventory/DPU_BSP` and `DPU_UEFI` Versions equal to the BSP and
 * UEFI of the BFB's embedded software inventory (model/bfb-versions.ts cites
 * DPF's checkFwVersion). A BFB without an inventory falls back to the
 * `DPU_OS` Version against the BFB's file name (`expected`), xpuflow's own
 * rule (DPF refuses such a BFB). A DPU that runs its OS but reports other
 * versions until the timeout fails naming what it reports, what the BFB
 * holds and what to do.
 */
import { waitUntil } from '../wait-until';
import { CHECKED_AFTER_BOOT, type BfbVersions } from '../../model/bfb-versions';
import { dpuOsVersion, inventoryVersion } from './firmware';
import { dpuSystem } from './reset-dpu';
import { bootTimeout } from './failures';
import type { RedfishSession } from './redfish-port';
import { withBmc, type RedfishCallInput, type RedfishDeps } from './session';
import { timeoutMessage } from '../wait-until';

export const OS_RUNNING = 'OsIsRunning';

export interface RedfishAwaitVersionInput extends RedfishCallInput {
  /** The version the DPU OS must report (the BFB's file name: used without expectedVersions). */
  expected: string;
  /** The BSP and UEFI the BFB installs (its embedded inventory); the BMC's DPU_BSP/DPU_UEFI must equal them. */
  expectedVersions?: BfbVersions;
  /** The BFB's file name, for messages. */
  bfb?: string;
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
      const what = `DPU ${input.namespace}/${input.dpu} to boot ${input.bfb ?? input.expected} (BMC ${input.bmc.address})`;
      let lastMismatch: VersionCheck[] | undefined;
      return withBmc(deps, input, `read the DPU's OS version`, (s, t) =>
        waitUntil<RedfishAwaitVersionResult>({
          what,
          timeoutSeconds: input.timeoutSeconds,
          pollSeconds: input.pollSeconds,
          look: async () => {
            const sys = dpuSystem(await s.systems());
            const bootState = sys?.BootProgress?.OemLastState;
            const running = bootState === undefined || bootState === OS_RUNNING;
            const checks = await versionChecks(s, input);
            if (running && checks.every((c) => c.seen === c.want)) {
              return { done: { version: shown(checks), ...(bootState ? { bootState } : {}) } };
            }
            const reported = checks.map((c) => `${c.label} ${c.seen ?? 'none'}`).join(', ');
            lastMismatch = running ? checks.filter((c) => c.seen !== c.want) : undefined;
            return {
              seen: `boot state ${bootState ?? 'not reported'}, ${reported}`,
              details: { bootState, ...Object.fromEntries(checks.map((c) => [c.id, c.seen])) },
            };
          },
          onTimeout: (seen) => {
            if (lastMismatch?.length) {
              const differs = lastMismatch
                .map((c) => `${c.label} ${c.seen ?? 'none'} (${c.id}) where the BFB holds ${c.want}`)
                .join(', ');
              throw bootTimeout(
                t,
                `DPU ${input.namespace}/${input.dpu} runs its OS, but its BMC ${input.bmc.address} reports ${differs} ` +
                  `after ${input.timeoutSeconds} s: the DPU did not boot ${input.bfb ?? input.expected}. Check the install task's messages ` +
                  `and the DPU's console through the BMC, then retry from "OS Installing" (or the BFB is not the one meant: fix the DPU's BFB)`,
              );
            }
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

interface VersionCheck {
  /** The BMC's firmware inventory entry. */
  id: string;
  label: string;
  want: string;
  seen: string | undefined;
}

/** What to compare: DPF's BSP and UEFI when the BFB names them, else DPU_OS against the file name. */
async function versionChecks(s: RedfishSession, input: RedfishAwaitVersionInput): Promise<VersionCheck[]> {
  const wanted = CHECKED_AFTER_BOOT.filter((c) => input.expectedVersions?.[c.key]);
  if (wanted.length === 0) {
    return [{ id: 'DPU_OS', label: 'DPU OS', want: input.expected, seen: await dpuOsVersion(s) }];
  }
  const items = await s.firmwareInventory();
  return wanted.map((c) => ({
    id: c.inventoryId,
    label: c.label,
    want: input.expectedVersions![c.key]!,
    seen: inventoryVersion(items, c.inventoryId),
  }));
}

function shown(checks: VersionCheck[]): string {
  return checks.length === 1 && checks[0].id === 'DPU_OS'
    ? checks[0].want
    : checks.map((c) => `${c.label} ${c.want}`).join(', ');
}
