/**
 * OS Installing: stream the BFB and a generated bf.cfg to DMS (gNOI
 * OS.Install; heartbeats carry bytes sent), then activate both in one call
 * and wait while DMS flashes and reboots the DPU (dms-activation.ts, NVIDIA
 * DPF's way). Every step is safe to repeat: DMS answers Validated at once for
 * an image it already has, and the activation is sent only when no earlier
 * attempt's got through. Runs started before that change keep the old path
 * (Activate of the BFB alone, OS.Verify polls, a Reboot in "Rebooting").
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { Phase } from '../../../model/phases';
import {
  bfbCalls,
  bfbLocalCalls,
  dmsCalls,
  dmsLocalCalls,
  dmsTransfers,
  heartbeatTimeoutOf,
  kubeCalls,
  kubeLocalCalls,
} from '../proxies';
import { clusterInputOf } from './dpu-cluster-config';
import type { FetchedBfb, FlowContext, PhaseOutcome, ProvisionPhase } from '../context';
import { pollUntil } from '../../toolkit/poll-until';
import { activateWithCfg, DMS_ACTIVATES_WITH_CFG } from './dms-activation';
import { hasOlderPatch } from '../fewer-events';

/** Marker: the bf.cfg carries the kubeadm join (runs without it send a bf.cfg that does not join). */
export const BF_CFG_CARRIES_KUBEADM_JOIN = 'bf-cfg-carries-kubeadm-join';
/** The patch behind flashing a BFB the DPU already runs, because its bf.cfg (flavor) changed. */
export const REFLASH_FOR_NEW_BF_CFG = 'reflash-for-new-bf-cfg';
/**
 * Marker: the DPU's old Node leaves the DPU cluster before a flash whose bf.cfg joins it again
 * (activities/kube/dpu-cluster-remove.ts removeDpuNode). Runs without it leave the old Node Ready:
 * the reflashed DPU's kubeadm join is refused for as long as it stays, and the node wait passes on it.
 */
export const REMOVE_NODE_BEFORE_FLASH = 'remove-dpu-node-before-flash';

export const osInstalling: ProvisionPhase = { phase: Phase.OsInstalling, run: installOs };

async function installOs(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec, book } = ctx;
  const at = { dpu: spec.name, address: spec.dmsAddress };

  const before = ctx.fewerEvents ? await dmsLocalCalls.dmsVerify(at) : await dmsCalls.dmsVerify(at);
  // Runs before the patch never carry `reflash` (ProvisionDpuInput), so patched() is reached only by new ones.
  const reflash = ctx.reflash === true && hasOlderPatch(ctx, REFLASH_FOR_NEW_BF_CFG);
  if (!reflash && ctx.learnt.bfb && before.version === ctx.learnt.bfb.fileName) {
    return { done: `DPU already runs ${ctx.learnt.bfb.fileName}: nothing to flash` };
  }

  book.progress({ step: `sending ${ctx.learnt.bfb?.fileName ?? spec.bfb.url} to DMS`, percent: 0 });
  const sent = await dmsTransfers.dmsInstallBfb.executeWithOptions(
    { summary: `send BFB to DMS of ${spec.name}`, ...heartbeatTimeoutOf(ctx.timing) },
    [{ ...at, bfb: { url: spec.bfb.url, sha256: spec.bfb.sha256 } }],
  );
  const target = { fileName: sent.version, sizeBytes: sent.sizeBytes };
  ctx.learnt.bfb = target;
  if (!reflash && before.version === target.fileName) {
    return { done: `DPU already runs ${target.fileName}: nothing to flash` };
  }
  const cfg = await sendBfCfg(ctx);
  if (hasOlderPatch(ctx, DMS_ACTIVATES_WITH_CFG)) return activateWithCfg(ctx, target, cfg.fileName, reflash);
  // Runs started before DPF's activation: the BFB alone, flashed with the last staged bf.cfg, rebooted later.
  await dmsCalls.dmsActivate({ ...at, version: target.fileName });
  return awaitFlash(ctx, target);
}

/**
 * The bf.cfg to DMS. A DPU with a DPUCluster gets a bootstrap token first and
 * a bf.cfg that joins the cluster at boot (NVIDIA DPF's way; bf-cfg-join.ts),
 * rendered and sent by one activity that reads the token itself, so history
 * holds only the token's ID. Runs started before that (no marker) render and
 * send the bf.cfg in two calls, without the join.
 */
async function sendBfCfg(ctx: FlowContext): Promise<{ fileName: string }> {
  const { spec } = ctx;
  const at = { dpu: spec.name, address: spec.dmsAddress };
  const join = hasOlderPatch(ctx, BF_CFG_CARRIES_KUBEADM_JOIN) ? clusterInputOf(spec) : undefined;
  if (join) {
    const { tokenId } = await kubeCalls.createJoinToken(join);
    const sent = await dmsCalls.dmsInstallBfCfg.executeWithOptions(
      { summary: `send bf.cfg joining ${join.cluster.name} as ${join.dpuNode} (token ${tokenId}) to DMS` },
      [{ ...at, spec, join }],
    );
    ctx.learnt.joinTokenId = sent.tokenId;
    // As DPF's rollout deletes the DPU, and with it its Node (removeDpuNode says where): the DPU joins
    // again at boot under the same name. A delete, idempotent: a local activity, one marker.
    if (patched(REMOVE_NODE_BEFORE_FLASH)) await kubeLocalCalls.removeDpuNode(join);
    return sent;
  }
  if (ctx.fewerEvents) {
    // Small and idempotent (DMS answers Validated at once for a staged version): local activities.
    const local = await bfbLocalCalls.renderBfCfg(spec);
    await dmsLocalCalls.dmsInstallContent({ ...at, version: local.fileName, content: local.content });
    return local;
  }
  const cfg = await bfbCalls.renderBfCfg(spec);
  await dmsCalls.dmsInstallContent.executeWithOptions({ summary: `send ${cfg.fileName} to DMS` }, [
    { ...at, version: cfg.fileName, content: cfg.content },
  ]);
  return cfg;
}

/** The flash after Activate: durable timers, quiet for most of its expected time, then OS.Verify polls. */
async function awaitFlash(ctx: FlowContext, target: FetchedBfb): Promise<PhaseOutcome> {
  const { spec, book, timing } = ctx;
  const at = { dpu: spec.name, address: spec.dmsAddress };
  const started = Date.now();
  const flashing = {
    step: `flashing ${target.fileName}`,
    startedAt: new Date(started).toISOString(),
    expectedSeconds: timing.expectedFlashSeconds,
  };
  book.progress({ ...flashing, percent: 0 });
  await pollUntil(
    async () => {
      const v = await dmsCalls.dmsVerify(at);
      if (v.activationFailMessage) {
        throw ApplicationFailure.nonRetryable(
          `flash of ${target.fileName} on ${spec.name} failed: ${v.activationFailMessage}`,
          'FlashFailed',
        );
      }
      return v.version === target.fileName ? v : undefined;
    },
    {
      initialSeconds: timing.pollInitialSeconds,
      maxSeconds: timing.pollMaxSeconds,
      timeoutSeconds: timing.flashTimeoutSeconds,
      quietSeconds: timing.expectedFlashSeconds * 0.8,
      timeoutMessage: `flash of ${target.fileName} on ${spec.name} did not finish within ${timing.flashTimeoutSeconds} s; check DMS at ${spec.dmsAddress}, then retry from "OS Installing"`,
    },
    (elapsedMs) =>
      book.progress({
        ...flashing,
        percent: Math.min(99, (elapsedMs / 1000 / timing.expectedFlashSeconds) * 100),
      }),
  );
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  return { done: `flashed ${target.fileName} (${minutes} min)` };
}
