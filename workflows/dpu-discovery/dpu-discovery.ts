/**
 * One scan of a DPUDiscovery, started by its Temporal Schedule (one per
 * DPUDiscovery, made by controllers/dpu-discovery-controller.ts): probe the
 * range for BlueField BMCs, then write DPUDevices, DPUNodes, unreachable
 * marks and the discovery's status. A scan that fails for good says why on
 * the DPUDiscovery (condition ScanSucceeded False and an Event) and fails the
 * run, which the schedule shows; the next scheduled run tries again.
 */
import { ActivityFailure, ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { ApplyDiscoveryResult, DpuDiscoveryInput } from '../../model/dpu-discovery-api';
import { discoveryScans, kubeCalls } from './proxies';

export async function dpuDiscovery(input: DpuDiscoveryInput): Promise<ApplyDiscoveryResult> {
  const { workflowId } = workflowInfo();
  let scan;
  try {
    scan = await discoveryScans.scanBmcs(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause =
      err.cause instanceof ApplicationFailure ? err.cause.message : (err.cause?.message ?? err.message);
    await kubeCalls.kubeReportDiscoveryFailure({
      discovery: input.discovery,
      generation: input.generation,
      message: `scan ${workflowId} failed: ${cause}`,
      workflowId,
    });
    throw err;
  }
  return kubeCalls.kubeApplyDiscovery({
    discovery: input.discovery,
    generation: input.generation,
    found: scan.found,
    scanned: scan.scanned,
    unusable: scan.unusable ?? [],
    dpuDeviceLabels: input.dpuDeviceLabels,
    workflowId,
  });
}
