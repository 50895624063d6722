/** `dmsRebootStatus`: the DPU's reboot status; a changed `count` means a reboot happened. */
import type { RebootStatusResponse__Output } from '../../proto/load';
import { checkEndpoint, type DmsCallInput, type DmsSession } from './session';

export interface DmsRebootStatusResult {
  active: boolean;
  /** Reboots started so far: a change means a reboot happened. */
  count: number;
  /** Nanoseconds since the epoch of the last reboot start ('0' if none), as a decimal string. */
  whenNs: string;
  /** While active: nanoseconds until the DPU is back, as a decimal string. */
  waitNs?: string;
  reason?: string;
}

export function rebootStatusActivity({ clients, unary }: DmsSession) {
  return {
    /** The DPU's reboot status; a changed `count` means a reboot happened. */
    async dmsRebootStatus(input: DmsCallInput): Promise<DmsRebootStatusResult> {
      const t = checkEndpoint(input, 'dmsRebootStatus');
      const system = clients.system(t.address);
      const res = await unary<RebootStatusResponse__Output>('RebootStatus', t, (md, o, cb) =>
        system.rebootStatus({}, md, o, cb),
      );
      const out: DmsRebootStatusResult = { active: res.active, count: res.count, whenNs: res.when };
      if (res.active) out.waitNs = res.wait;
      if (res.reason) out.reason = res.reason;
      return out;
    },
  };
}
