/**
 * `dmsReboot`: asks DMS to reboot the DPU after `delaySeconds`; done at once
 * when a reboot is already pending or in progress (ALREADY_EXISTS).
 */
import * as grpc from '@grpc/grpc-js';
import { activityContext } from './context';
import { badInput, grpcFailure, isServiceError } from './failures';
import { checkEndpoint, type DmsCallInput, type DmsSession } from './session';
import { callUnary } from './unary';

export interface DmsRebootInput extends DmsCallInput {
  /** Seconds DMS waits before rebooting, so this call returns first. */
  delaySeconds: number;
  /** Why, recorded by DMS. */
  message: string;
}

export function rebootActivity({ clients, callTimeoutMs }: DmsSession) {
  return {
    /** Asks DMS to reboot the DPU after `delaySeconds`; done at once when a reboot is already pending or in progress. */
    async dmsReboot(input: DmsRebootInput): Promise<void> {
      const t = checkEndpoint(input, 'dmsReboot');
      const { delaySeconds, message } = input;
      if (typeof delaySeconds !== 'number' || !Number.isFinite(delaySeconds) || delaySeconds < 0) {
        throw badInput(
          `dmsReboot for DPU ${t.dpu}: delaySeconds ${JSON.stringify(delaySeconds)} must be 0 or more`,
        );
      }
      const delayNs = (BigInt(Math.round(delaySeconds * 1000)) * 1_000_000n).toString();
      const system = clients.system(t.address);
      const signal = activityContext()?.cancellationSignal;
      try {
        await callUnary(
          (md, o, cb) =>
            system.reboot(
              { method: 'COLD', delay: delayNs, message: typeof message === 'string' ? message : '' },
              md,
              o,
              cb,
            ),
          callTimeoutMs,
          signal,
        );
      } catch (err) {
        // A reboot already pending or in progress: the one asked for (or one just like it) is under way.
        if (isServiceError(err) && err.code === grpc.status.ALREADY_EXISTS) return;
        throw isServiceError(err) ? grpcFailure('Reboot', t, err, callTimeoutMs) : err;
      }
    },
  };
}
