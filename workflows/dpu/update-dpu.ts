/**
 * UpdateDpu: a DPU object's spec changed (BFB, flavor, VFs): say what changes,
 * then provision again from Initializing with the new spec. Host networking
 * goes through 0 VFs and the node effect applies again, as on a first flash.
 * A changed bf.cfg (the flavor) flashes again even when the BFB is the same.
 */
import type { DpuStatus } from '../../model/dpu';
import type { UpdateDpuInput } from '../../model/dpu-lifecycle-api';
import { provisionDpu } from './provision-dpu';
import { writeDpuStatus } from './status-writer';

export async function updateDpu(input: UpdateDpuInput): Promise<DpuStatus> {
  const { spec, previous } = input;
  const changes: string[] = [];
  if (spec.bfb.sha256 !== previous.bfb.sha256 || spec.bfb.url !== previous.bfb.url) {
    changes.push(`BFB ${fileOf(previous.bfb.url)} → ${fileOf(spec.bfb.url)}`);
  }
  if (spec.numVfs !== previous.numVfs) changes.push(`VFs ${previous.numVfs} → ${spec.numVfs}`);
  const bfCfgChanged = JSON.stringify(spec.bfCfg ?? {}) !== JSON.stringify(previous.bfCfg ?? {});
  if (bfCfgChanged) changes.push('bf.cfg (flavor) changed');
  const said = changes.join(', ') || 'spec changed';
  await writeDpuStatus(spec, {
    phase: 'Initializing',
    message: `updating: ${said}`,
    event: { type: 'Normal', reason: 'UpdateStarted', message: said },
  });
  // A new bf.cfg reaches the DPU only with a flash, even of the BFB it runs (os-installing.ts).
  return provisionDpu({
    spec,
    onError: input.onError ?? 'park',
    ...(bfCfgChanged ? { reflash: true } : {}),
    ...(input.reportParked ? { reportParked: true } : {}),
  });
}

function fileOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1) || url;
}
