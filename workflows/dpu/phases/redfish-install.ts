/**
 * OS Installing and Rebooting on the redfish path: the DPU's BMC installs
 * the BFB and resets the DPU, as NVIDIA DPF's zero-trust flow does
 * (NVIDIA/doca-platform, internal/provisioning/controllers/dpu/state/redfish/installing.go,
 * commit 02f88055bd9f94046568b6b3067490fae4fb8ab7: SimpleUpdate of the BFB
 * into the DPU OS target, the task followed to 100 %, then the DPU's OS
 * awaited as running).
 *
 * OS Installing: one `redfishStartUpdate` (a retried attempt finds the update
 * an earlier one began, so kill -9 of the control worker never starts a
 * second), one `redfishFollowUpdate` that heartbeats the task's state and
 * percent until it completes (the pending activity in the UI), and one
 * `redfishAwaitVersion` while the BFB's installer boots the DPU into it.
 * Rebooting: `redfishResetDpu` (ComputerSystem.Reset) when the reboot is
 * automatic, else the operator's power cycle as on the gNOI path; then the
 * version after boot. No timers, no workflow poll loop: every wait is an
 * activity, retried by the server.
 *
 * The ImageURI: the BFB followed by the DPU's bf.cfg (with the kubeadm join
 * when the DPU has a DPUCluster), served as one stream by the control
 * worker's image server, as DPF serves both concatenated from its BFB server
 * (`<registry>/bfb/??<bfb>,<cfg>?/bfb-to-install`, installing.go above;
 * activities/bfb/stage-image.ts). Content-addressed, so retries name the same
 * ImageURI. Runs started before (no `redfish-image-carries-bf-cfg` marker)
 * give the BFB's URL alone.
 *
 * The version after boot, as DPF checks it: the BSP and UEFI of the BFB's
 * embedded software inventory (`bfbVersions`, model/bfb-versions.ts) against
 * the BMC's DPU_BSP and DPU_UEFI. A BFB without an inventory (DPF would
 * refuse it) falls back to the BMC's DPU_OS against the BFB's file name,
 * which is all runs before the `redfish-versions-from-bfb` marker compare.
 */
import { condition, patched } from '@temporalio/workflow';
import type { BfbVersions } from '../../../model/bfb-versions';
import { bfbVersionOf } from '../../../model/install-path';
import { powerCycleEventMessage, powerCycleHint } from '../../../model/operator-hints';
import type { RedfishCallInput } from '../../../activities/redfish';
import type { FlowContext, PhaseOutcome } from '../context';
import {
  heartbeatTimeoutOf,
  imageStaging,
  kubeCalls,
  kubeLocalCalls,
  redfishCalls,
  redfishWaits,
} from '../proxies';
import type { DpuClusterInput } from '../../../activities/kube';
import { REMOVE_NODE_BEFORE_FLASH } from './os-installing';
import { writeRunStatus } from '../status-writer';
import { clusterInputOf } from './dpu-cluster-config';

/** Marker: the ImageURI serves the BFB with xpuflow's bf.cfg (runs before it give the BFB's URL). */
export const REDFISH_IMAGE_CARRIES_BF_CFG = 'redfish-image-carries-bf-cfg';
/** Marker: the version after boot is the BFB's BSP and UEFI (runs before it compare DPU_OS with the file name). */
export const REDFISH_VERSIONS_FROM_BFB = 'redfish-versions-from-bfb';

function bmcCallOf(ctx: FlowContext): RedfishCallInput {
  const { spec } = ctx;
  if (!spec.bmc) throw new Error(`DPU ${spec.name} takes installPath redfish without a bmc block`);
  return { dpu: spec.name, namespace: spec.kube?.ref.namespace ?? 'default', bmc: spec.bmc };
}

export async function installThroughBmc(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec, book, timing } = ctx;
  const at = bmcCallOf(ctx);
  const staged = await stagedImageOf(ctx);
  const imageUri = staged.imageUri;
  const expectVersion = bfbVersionOf(spec.bfb.url);
  // Workflow time: recorded in the activity's input, the same at every attempt and replay.
  const startedAt = new Date();
  const startedAfter = startedAt.toISOString();
  const file = ctx.learnt.bfb?.fileName ?? expectVersion;
  const step = {
    step: `BMC ${at.bmc.address} installing ${file} on ${spec.name}`,
    startedAt: startedAfter,
    expectedSeconds: timing.expectedFlashSeconds,
  };
  book.progress({ ...step, percent: 0 });

  const find = { imageUri, startedAfter, expectVersion };
  const started = await redfishCalls.redfishStartUpdate.executeWithOptions(
    { summary: `SimpleUpdate of ${file} on the BMC of ${spec.name}`, ...heartbeatTimeoutOf(timing) },
    [{ ...at, ...find, ...(ctx.reflash ? { reflash: true } : {}) }],
  );
  if (!started.task) return { done: `DPU already runs ${started.alreadyRunning}: nothing to flash` };
  // The flash is under way and its bf.cfg joins the DPU cluster again under the same name: the old Node
  // goes, as on the gNOI path (os-installing.ts), so the join is not refused over it and the node wait
  // does not pass on it. A Node that joined since the update began is the reflashed DPU's and stays.
  const join = staged.join;
  if (join && patched(REMOVE_NODE_BEFORE_FLASH)) {
    await kubeLocalCalls.removeDpuNode({ ...join, joinedBefore: startedAfter });
  }

  const followed = await redfishWaits(
    timing.flashTimeoutSeconds,
    timing,
  ).redfishFollowUpdate.executeWithOptions(
    { summary: `follow BMC task ${started.task.task} installing ${file} on ${spec.name}` },
    [{ ...at, ...find, task: started.task, pollSeconds: timing.pollInitialSeconds }],
  );
  const versions = await expectedVersionsOf(ctx);
  const booted = await awaitVersion(ctx, at, expectVersion, `${spec.name} to boot ${file}`, versions);
  const minutes = ((Date.now() - startedAt.getTime()) / 60000).toFixed(1);
  const how = started.found ? 'found the install an earlier attempt started' : 'installed';
  return {
    done: `BMC ${at.bmc.address} ${how} ${file} (task ${followed.task} ${followed.state}, ${minutes} min); ${spec.name} booted ${booted}`,
  };
}

/**
 * The ImageURI the BMC fetches, and the DPU cluster its bf.cfg joins. With a
 * DPUCluster the DPU gets a bootstrap token first (as on the gNOI path), which
 * the staging activity reads itself: history holds the token's ID and the
 * URL, not the bf.cfg.
 */
async function stagedImageOf(ctx: FlowContext): Promise<{ imageUri: string; join?: DpuClusterInput }> {
  const { spec } = ctx;
  if (!patched(REDFISH_IMAGE_CARRIES_BF_CFG)) return { imageUri: spec.bfb.url };
  const join = clusterInputOf(spec);
  if (join) await kubeCalls.createJoinToken(join); // the live token for this DPU, or a new one
  const staged = await imageStaging(ctx.timing).redfishStageImage.executeWithOptions(
    {
      summary: join
        ? `stage BFB + bf.cfg joining ${join.cluster.name} as ${join.dpuNode} for the BMC of ${spec.name}`
        : `stage BFB + bf.cfg for the BMC of ${spec.name}`,
    },
    [{ dpu: spec.name, spec, ...(join ? { join } : {}) }],
  );
  if (staged.tokenId) ctx.learnt.joinTokenId = staged.tokenId;
  return { imageUri: staged.imageUri, ...(join ? { join } : {}) };
}

export async function resetThroughBmc(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec, book } = ctx;
  const at = bmcCallOf(ctx);
  let how: string;
  if (spec.automaticReboot) {
    const r = await redfishCalls.redfishResetDpu.executeWithOptions(
      { summary: `reset ${spec.name} through its BMC`, ...heartbeatTimeoutOf(ctx.timing) },
      [at],
    );
    how = `reset through BMC ${at.bmc.address} (${r.resetType} of ${r.system})`;
  } else {
    ctx.operatorRebooted = false;
    book.waitFor(powerCycleHint(spec));
    await writeRunStatus(ctx, {
      type: 'Normal',
      reason: 'WaitingForPowerCycle',
      message: powerCycleEventMessage(spec),
    });
    await condition(() => ctx.operatorRebooted);
    book.waitFor(undefined);
    how = 'rebooted by an operator';
  }
  const expected = bfbVersionOf(spec.bfb.url);
  const versions = await expectedVersionsOf(ctx);
  const file = ctx.learnt.bfb?.fileName ?? expected;
  const v = await awaitVersion(ctx, at, expected, `${spec.name} to come back running ${file}`, versions);
  return { done: `${how}; runs ${v}` };
}

/**
 * The BSP and UEFI the DPU must report after booting its BFB, read once per
 * run from the BFB's embedded inventory (undefined: compare DPU_OS with the
 * file name, for a BFB without one and for runs before the marker).
 */
async function expectedVersionsOf(ctx: FlowContext): Promise<BfbVersions | undefined> {
  if (!patched(REDFISH_VERSIONS_FROM_BFB)) return undefined;
  if (!ctx.learnt.bfbVersions) {
    const { spec } = ctx;
    const r = await imageStaging(ctx.timing).bfbVersions.executeWithOptions(
      { summary: `read the versions BFB ${ctx.learnt.bfb?.fileName ?? spec.bfb.url} installs` },
      [{ url: spec.bfb.url, sha256: spec.bfb.sha256 }],
    );
    ctx.learnt.bfbVersions = r.versions ?? {};
  }
  const v = ctx.learnt.bfbVersions;
  return v.bsp || v.uefi ? v : undefined;
}

async function awaitVersion(
  ctx: FlowContext,
  at: RedfishCallInput,
  expected: string,
  what: string,
  expectedVersions?: BfbVersions,
): Promise<string> {
  const { timing } = ctx;
  const r = await redfishWaits(timing.rebootTimeoutSeconds, timing).redfishAwaitVersion.executeWithOptions(
    { summary: `await ${what}` },
    [
      {
        ...at,
        expected,
        ...(expectedVersions ? { expectedVersions } : {}),
        ...(ctx.learnt.bfb ? { bfb: ctx.learnt.bfb.fileName } : {}),
        timeoutSeconds: timing.rebootTimeoutSeconds,
        pollSeconds: timing.pollInitialSeconds,
      },
    ],
  );
  return r.version;
}
