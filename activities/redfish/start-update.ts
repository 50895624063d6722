/**
 * Starts the install of a BFB through the DPU's BMC: `UpdateService.SimpleUpdate`
 * with the BFB's URL as ImageURI, TransferProtocol from its scheme and the
 * DPU OS (rshim) target, as NVIDIA DPF does (NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/redfish/installing.go, commit
 * 02f88055bd9f94046568b6b3067490fae4fb8ab7; client.go InstallBFB, commit
 * 07b57881ac801b42d7385ff98dd97e58182b67f1). The BMC answers 202 with a task.
 *
 * Exactly one update: a retried attempt (a worker killed while SimpleUpdate
 * was on the wire, an answer lost) first asks the BMC for an update of this
 * ImageURI already in flight or done (`findUpdateTask`) and starts none when
 * there is one. DPF keeps the task ID in controller memory instead
 * (OsInstallTaskMap), lost with the controller.
 */
import { Context } from '@temporalio/activity';
import { dpuOsVersion, DPU_OS_TARGET } from './firmware';
import type { FindUpdateOptions } from './client';
import type { TaskRef } from './redfish-port';
import { withBmc, type RedfishCallInput, type RedfishDeps } from './session';

export interface RedfishStartUpdateInput extends RedfishCallInput {
  /** The BFB's URL, fetched by the BMC. */
  imageUri: string;
  /**
   * When the flow began this install (ISO 8601): a retried attempt follows only an update started
   * since, never one of an earlier, failed install of the same image.
   */
  startedAfter: string;
  /** The DPU OS version the image installs: an update whose task the BMC no longer has, but whose version it reports, is done. */
  expectVersion?: string;
  /** Install even when the DPU already reports expectVersion (its bf.cfg changed). */
  reflash?: boolean;
}

export interface RedfishStartUpdateResult {
  /** Absent when the DPU already runs expectVersion and no update was started (alreadyRunning). */
  task?: TaskRef;
  alreadyRunning?: string;
  /** True when an earlier attempt's update was found and none was started. */
  found: boolean;
  /** The DPU OS version the BMC reported before (absent when it reported none, or the update was found). */
  versionBefore?: string;
}

export function startUpdateActivity(deps: RedfishDeps) {
  return {
    async redfishStartUpdate(input: RedfishStartUpdateInput): Promise<RedfishStartUpdateResult> {
      const ctx = Context.current();
      const retried = ctx.info.attempt > 1;
      return withBmc(deps, input, `start the install of ${input.imageUri}`, async (s) => {
        // Heartbeats between the BMC's answers: a worker killed mid-call is noticed in the heartbeat timeout.
        ctx.heartbeat({ step: 'logged in', retried });
        if (retried) {
          const task = await s.findUpdateTask(input.imageUri, findOptions(input));
          if (task) return { task, found: true };
        }
        const versionBefore = await dpuOsVersion(s);
        ctx.heartbeat({ step: 'read the DPU OS version', versionBefore });
        if (!input.reflash && input.expectVersion && versionBefore === input.expectVersion) {
          return { found: false, alreadyRunning: versionBefore };
        }
        // TransferProtocol: the client takes it from the ImageURI's scheme, as DPF sends it.
        const task = await s.simpleUpdate({ imageUri: input.imageUri, targets: [DPU_OS_TARGET] });
        return { task, found: false, ...(versionBefore ? { versionBefore } : {}) };
      });
    },
  };
}

/** findUpdateTask's options for this install: tasks since it began, or the version it installs. */
export function findOptions(input: { startedAfter: string; expectVersion?: string }): FindUpdateOptions {
  return {
    startedAfter: input.startedAfter,
    ...(input.expectVersion ? { expectVersion: input.expectVersion } : {}),
  };
}
