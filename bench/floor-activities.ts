/**
 * The floor flow's activities (floor-flow.ts): a step that returns at once, and
 * a wait that looks, heartbeats what it saw and fails with the delay to its
 * next look until `waitSeconds` have passed since its first attempt was
 * scheduled, the way `dmsAwaitReboot` waits (activities/dms/await-reboot.ts).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { FloorFlowInput } from './floor-shape';

export interface FloorActivities {
  floorStep(i: number): Promise<number>;
  floorWait(input: FloorFlowInput): Promise<number>;
}

export const floorActivities: FloorActivities = {
  async floorStep(i) {
    return i;
  },
  async floorWait(input) {
    const info = Context.current().info;
    const elapsed = (Date.now() - info.scheduledTimestampMs) / 1000;
    if (elapsed >= input.waitSeconds) return info.attempt;
    Context.current().heartbeat({ looks: info.attempt, elapsedSeconds: elapsed });
    const quietLeft = input.quietSeconds - elapsed;
    const backoff = input.lookSeconds * 2 ** Math.max(0, info.attempt - 2);
    const next =
      quietLeft > 0 ? Math.max(quietLeft, input.lookSeconds) : Math.min(backoff, input.maxLookSeconds);
    throw ApplicationFailure.create({
      message: `${Math.round(elapsed)} s of ${input.waitSeconds} s; looking again in ${next.toFixed(1)} s`,
      type: 'FloorWaitUnderWay',
      nextRetryDelay: `${Math.ceil(next * 1000)} ms`,
    });
  },
};
