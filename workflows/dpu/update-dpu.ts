/**
 * UpdateDpu: a DPU object's spec changed (BFB, flavor, VFs): say what changes,
 * then provision again from Initializing with the new spec. Host networking
 * goes through 0 VFs and the node effect applies again, as on a first flash.
 * A changed bf.cfg (the flavor) flashes again even when the BFB is the same.
 * Under UPDATE_STATUS_WITH_WORK (fewer-events.ts) every status write of the
 * update, UpdateStarted included, is a local activity in the workflow task
 * that goes on to the work.
 */
import { patched } from '@temporalio/workflow';
import type { DpuStatus } from '../../model/dpu';
import type { UpdateDpuInput } from '../../model/dpu-lifecycle-api';
import { UPDATE_STATUS_WITH_WORK, WITH_WORK_PATH } from './fewer-events';
import { provisionOnPath } from './provision-dpu';
import { writeDpuStatus } from './status-writer';

export async function updateDpu(input: UpdateDpuInput): Promise<DpuStatus> {
  const { spec, previous } = input;
  // Read once, first (fewer-events.ts): runs before the patch ask ProvisionDpu's `pathOf` after their first write.
  const path = patched(UPDATE_STATUS_WITH_WORK) ? WITH_WORK_PATH : undefined;
  const changes: string[] = [];
  if (spec.bfb.sha256 !== previous.bfb.sha256 || spec.bfb.url !== previous.bfb.url) {
    changes.push(`BFB ${fileOf(previous.bfb.url)} → ${fileOf(spec.bfb.url)}`);
  }
  if (spec.numVfs !== previous.numVfs) changes.push(`VFs ${previous.numVfs} → ${spec.numVfs}`);
  const bfCfgChanged = JSON.stringify(spec.bfCfg ?? {}) !== JSON.stringify(previous.bfCfg ?? {});
  if (bfCfgChanged) changes.push('bf.cfg (flavor) changed');
  const said = changes.join(', ') || 'spec changed';
  await writeDpuStatus(
    spec,
    {
      phase: 'Initializing',
      message: `updating: ${said}`,
      event: { type: 'Normal', reason: 'UpdateStarted', message: said },
    },
    path !== undefined,
  );
  // A new bf.cfg reaches the DPU only with a flash, even of the BFB it runs (os-installing.ts).
  return provisionOnPath(
    {
      spec,
      onError: input.onError ?? 'park',
      ...(bfCfgChanged ? { reflash: true } : {}),
      ...(input.reportParked ? { reportParked: true } : {}),
    },
    path,
  );
}

function fileOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1) || url;
}
