/**
 * The floor flow (temporal-floor.ts): a workflow with the provisioning flow's
 * shape and none of its work. Its activities return at once; its wait is one
 * activity retried on a backoff, heartbeating each look, as `dmsAwaitReboot`
 * waits out a flash (activities/dms/await-reboot.ts). With the default shape
 * (four steps, the wait, one step) it takes 7 workflow tasks, as a provisioned
 * DPU's run does. Bundled on its own by floor-worker-process.ts.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { FloorActivities } from './floor-activities';
import type { FloorFlowInput } from './floor-shape';

const steps = proxyActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });

export async function floorFlow(input: FloorFlowInput): Promise<void> {
  for (let i = 0; i < input.before; i++) await steps.floorStep(i);
  await proxyActivities<FloorActivities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: `${input.waitSeconds + 120} seconds`,
    retry: {
      initialInterval: `${input.lookSeconds} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${Math.max(input.lookSeconds, input.maxLookSeconds)} seconds`,
    },
  }).floorWait(input);
  for (let i = 0; i < input.after; i++) await steps.floorStep(input.before + i);
}
