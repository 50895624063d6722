/**
 * `dmsRebootStatus`: the DPU's reboot status (gNOI System.RebootStatus),
 * for the whole target or for its `CPU` subcomponent, which is what NVIDIA
 * DPF polls after an activation (NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/gnoi/installing.go, commit
 * 6acfda03356adceb17657555ce4ecca01f6bb32c: `Subcomponents([]*tpb.Path{{Elem:
 * []*tpb.PathElem{{Name: "CPU"}}}})`). An answer whose enums xpuflow does not
 * know is a DmsProtocolError naming the field and value.
 */
import type { RebootStatusResponse__Output } from '../../proto/load';
import { protocolError } from './failures';
import { checkEndpoint, type DmsCallInput, type DmsSession } from './session';

/** RebootStatus.Status values (gNOI system.proto); `status` applies only when `active` is false. */
export const REBOOT_STATUSES = [
  'STATUS_UNKNOWN',
  'STATUS_SUCCESS',
  'STATUS_RETRIABLE_FAILURE',
  'STATUS_FAILURE',
] as const;
export type RebootStatusValue = (typeof REBOOT_STATUSES)[number];

const REBOOT_METHODS = ['UNKNOWN', 'COLD', 'POWERDOWN', 'HALT', 'WARM', 'NSF', 'POWERUP'];

export interface DmsRebootStatusInput extends DmsCallInput {
  /** Ask about this subcomponent only; DPF asks about `CPU`. Absent: the whole target. */
  subcomponent?: 'CPU';
}

export interface DmsRebootStatusResult {
  active: boolean;
  /** Reboots started so far: a change means a reboot happened. */
  count: number;
  /** Nanoseconds since the epoch of the last reboot ('0' if none), as a decimal string. */
  whenNs: string;
  /** While active: nanoseconds until the DPU is back, as a decimal string. */
  waitNs?: string;
  reason?: string;
  /** When not active: how the last reboot ended (absent in answers to the whole-target form before it was asked). */
  status?: RebootStatusValue;
  statusMessage?: string;
}

function decode(
  t: { dpu: string; address: string },
  res: RebootStatusResponse__Output,
): DmsRebootStatusResult {
  if (typeof res.active !== 'boolean') throw protocolError('RebootStatus', t, 'active', res.active, 'a bool');
  if (typeof res.when !== 'string' || !/^\d+$/.test(res.when)) {
    throw protocolError('RebootStatus', t, 'when', res.when, 'a uint64 of nanoseconds');
  }
  if (!REBOOT_METHODS.includes(String(res.method))) {
    throw protocolError('RebootStatus', t, 'method', res.method, `one of ${REBOOT_METHODS.join(', ')}`);
  }
  const out: DmsRebootStatusResult = { active: res.active, count: res.count, whenNs: res.when };
  if (res.active) out.waitNs = res.wait;
  if (res.reason) out.reason = res.reason;
  if (res.status) {
    const status = res.status.status as string;
    if (!(REBOOT_STATUSES as readonly string[]).includes(status)) {
      throw protocolError('RebootStatus', t, 'status.status', status, `one of ${REBOOT_STATUSES.join(', ')}`);
    }
    out.status = status as RebootStatusValue;
    if (res.status.message) out.statusMessage = res.status.message;
  }
  return out;
}

export function rebootStatusActivity({ clients, unary }: DmsSession) {
  return {
    /** The DPU's reboot status (of its CPU when asked); a changed `count` or `whenNs` means a reboot happened. */
    async dmsRebootStatus(input: DmsRebootStatusInput): Promise<DmsRebootStatusResult> {
      const t = checkEndpoint(input, 'dmsRebootStatus');
      const system = clients.system(t.address);
      const subcomponents = input.subcomponent ? [{ elem: [{ name: input.subcomponent }] }] : [];
      const res = await unary<RebootStatusResponse__Output>('RebootStatus', t, (md, o, cb) =>
        system.rebootStatus({ subcomponents }, md, o, cb),
      );
      return decode(t, res);
    },
  };
}
