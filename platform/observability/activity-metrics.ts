/**
 * An activity interceptor that turns finished BFB transfers into flash
 * metrics, so the DMS activities stay free of metrics code.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { recordFlash } from './metrics';

export const flashMetricsInterceptor: ActivityInterceptorsFactory = (ctx: Context) => {
  const inbound: ActivityInboundCallsInterceptor = {
    async execute(input, next) {
      const started = Date.now();
      const result = await next(input);
      if (ctx.info.activityType === 'dmsInstallBfb') {
        const sent = (result as { bytesSent?: unknown })?.bytesSent;
        const dpu = (input.args[0] as { dpu?: unknown })?.dpu;
        if (typeof sent === 'number' && sent > 0)
          recordFlash(typeof dpu === 'string' ? dpu : '?', sent, (Date.now() - started) / 1000);
      }
      return result;
    },
  };
  return { inbound };
};
