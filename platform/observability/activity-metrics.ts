/**
 * An activity interceptor that turns what activities did into metrics, so the
 * activities (and the workflows that call them) stay free of metrics code:
 * - a finished BFB transfer (dmsInstallBfb) → the flash metrics;
 * - a DPUSet status report carrying rollout progress (reportDpuSet) →
 *   xpuflow_rollout_progress_ratio.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { recordFlash, setRolloutProgress } from './metrics';

export const activityMetricsInterceptor: ActivityInterceptorsFactory = (ctx: Context) => {
  const inbound: ActivityInboundCallsInterceptor = {
    async execute(input, next) {
      const started = Date.now();
      const result = await next(input);
      const arg = input.args[0] as Record<string, unknown> | undefined;
      if (ctx.info.activityType === 'dmsInstallBfb') {
        const sent = (result as { bytesSent?: unknown })?.bytesSent;
        const dpu = arg?.dpu;
        if (typeof sent === 'number' && sent > 0)
          recordFlash(typeof dpu === 'string' ? dpu : '?', sent, (Date.now() - started) / 1000);
      }
      if (ctx.info.activityType === 'reportDpuSet') {
        const progress = arg?.progress as { rollout?: unknown; ratio?: unknown } | undefined;
        if (typeof progress?.rollout === 'string' && typeof progress.ratio === 'number')
          setRolloutProgress(progress.rollout, progress.ratio);
      }
      return result;
    },
  };
  return { inbound };
};
