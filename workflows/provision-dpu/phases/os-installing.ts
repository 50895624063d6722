/**
 * OS Installing: stream the BFB and a generated bf.cfg to DMS (gNOI
 * OS.Install; heartbeats carry bytes sent), Activate, then wait for the flash
 * on durable timers, polling OS.Verify. Every step is safe to repeat: DMS
 * answers Validated at once for an image it already has, and Activate of the
 * version being flashed starts no second flash.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { bfb, dms, dmsTransfer } from '../activities';
import type { FetchedBfb, FlowContext, PhaseOutcome } from '../context';
import { pollUntil } from '../poll';

export async function osInstalling(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec, book, timing } = ctx;
  const target = await bfbInCache(ctx);
  const at = { dpu: spec.name, address: spec.dmsAddress };

  const before = await dms.dmsVerify(at);
  if (before.version === target.fileName) {
    return { done: `DPU already runs ${target.fileName}: nothing to flash` };
  }

  book.progress({
    step: `sending ${target.fileName} to DMS`,
    bytesDone: 0,
    bytesTotal: target.sizeBytes,
    percent: 0,
  });
  await dmsTransfer.dmsInstallFile.executeWithOptions({ summary: `send ${target.fileName} to DMS` }, [
    { ...at, version: target.fileName, filePath: target.path },
  ]);
  const cfg = await bfb.renderBfCfg(spec);
  await dms.dmsInstallContent.executeWithOptions({ summary: `send ${cfg.fileName} to DMS` }, [
    { ...at, version: cfg.fileName, content: cfg.content },
  ]);
  await dms.dmsActivate({ ...at, version: target.fileName });

  const started = Date.now();
  book.progress({ step: `flashing ${target.fileName}`, percent: 0 });
  await pollUntil(
    async () => {
      const v = await dms.dmsVerify(at);
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
      timeoutMessage: `flash of ${target.fileName} on ${spec.name} did not finish within ${timing.flashTimeoutSeconds} s; check DMS at ${spec.dmsAddress}, then retry from "OS Installing"`,
    },
    (elapsedMs) =>
      book.progress({
        step: `flashing ${target.fileName}`,
        percent: Math.min(99, (elapsedMs / 1000 / timing.expectedFlashSeconds) * 100),
      }),
  );
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  return { done: `flashed ${target.fileName} (${minutes} min)` };
}

/** The BFB the Pending phase cached; fetched again (a cache hit) when a retry starts here. */
async function bfbInCache(ctx: FlowContext): Promise<FetchedBfb & { path: string }> {
  const fetched = await bfb.fetchBfb.executeWithOptions({ summary: `BFB in cache: ${ctx.spec.bfb.url}` }, [
    { url: ctx.spec.bfb.url, sha256: ctx.spec.bfb.sha256 },
  ]);
  ctx.learnt.bfb = { fileName: fetched.fileName, sizeBytes: fetched.sizeBytes };
  return { fileName: fetched.fileName, sizeBytes: fetched.sizeBytes, path: fetched.path };
}
