/**
 * `dmsActivate`: OS.Activate of a staged version.
 *
 * The way NVIDIA DPF drives DMS (NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/gnoi/installing.go, commit
 * 6acfda03356adceb17657555ce4ecca01f6bb32c): version `<bfb file>;<cfg
 * version>` and no_reboot false, so DMS installs the BFB with that bf.cfg and
 * reboots the DPU itself. DMS promises nothing about an Activate sent twice,
 * so with `once` the activity first looks for an activation that an earlier
 * attempt already got through (the BFB running, per Verify, or a CPU reboot
 * active or newer than the one the flow saw before it first asked, per
 * RebootStatus) and then sends none: a worker killed mid-call never makes a
 * second flash.
 */
import type { ActivateResponse__Output } from '../../proto/load';
import { activityContext } from './context';
import { activateFailure } from './failures';
import { rebootStatusActivity, type DmsRebootStatusResult } from './reboot-status';
import { checkEndpoint, checkVersion, type DmsCallInput, type DmsSession } from './session';
import { verifyActivity } from './verify';

export interface DmsActivateInput extends DmsCallInput {
  /** `<bfb>;<cfg>` (DPF's pairing) or a lone version. */
  version: string;
  /** gNOI ActivateRequest.no_reboot; default false: DMS reboots the DPU itself. */
  noReboot?: boolean;
  /** Send Activate only if no earlier attempt's got through (see the file comment). */
  once?: {
    /** The BFB version the activation installs: running it means done. */
    bfb: string;
    /** The CPU reboot status the flow read before its first attempt. */
    before: Pick<DmsRebootStatusResult, 'count' | 'whenNs'>;
    /** The DPU runs `bfb` already (flashed again for a new bf.cfg): only a reboot since `before` counts. */
    reflash?: boolean;
  };
}

export interface DmsActivateResult {
  /** Whether this attempt sent Activate. */
  sent: boolean;
  /** When not sent: what an earlier attempt left, in words for the phase's message. */
  found?: { kind: 'already-running' | 'activation-seen'; detail: string };
}

export function activateActivity(session: DmsSession) {
  const { clients, unary, callTimeoutMs, activateTimeoutMs, heartbeatEveryMs } = session;
  const { dmsVerify } = verifyActivity(session);
  const { dmsRebootStatus } = rebootStatusActivity(session);

  /** What an earlier attempt left: the BFB running, or an activation reboot since `before`. */
  async function earlierActivation(
    input: DmsActivateInput,
    once: NonNullable<DmsActivateInput['once']>,
  ): Promise<DmsActivateResult['found']> {
    const at = { dpu: input.dpu, address: input.address };
    const v = once.reflash ? undefined : await dmsVerify(at);
    if (v && v.version === once.bfb)
      return { kind: 'already-running', detail: `DPU already runs ${once.bfb}` };
    const s = await dmsRebootStatus({ ...at, subcomponent: 'CPU' });
    const newer = s.count !== once.before.count || s.whenNs !== once.before.whenNs;
    if (s.active || newer) {
      return {
        kind: 'activation-seen',
        detail: `a CPU reboot ${s.active ? 'is active' : 'has happened'} since the flow's first attempt (count ${once.before.count} → ${s.count}${s.reason ? `, reason ${JSON.stringify(s.reason)}` : ''}): an earlier Activate got through`,
      };
    }
    return undefined;
  }

  return {
    /** OS.Activate of `version`; with `once`, only if no earlier attempt's got through. */
    async dmsActivate(input: DmsActivateInput): Promise<DmsActivateResult> {
      const t = checkEndpoint(input, 'dmsActivate');
      const version = checkVersion(input.version, 'dmsActivate', t);
      const noReboot = input.noReboot === true;
      if (input.once) {
        const found = await earlierActivation(input, input.once);
        if (found) return { sent: false, found };
      }
      const os = clients.os(t.address);
      // With no_reboot false DMS may answer only once the BFB is pushed: wait as DPF does, heartbeating.
      const timeoutMs = noReboot ? callTimeoutMs : activateTimeoutMs;
      const ctx = activityContext();
      const beat = ctx
        ? setInterval(() => ctx.heartbeat({ phase: 'activating', version }), Math.max(heartbeatEveryMs, 1000))
        : undefined;
      try {
        ctx?.heartbeat({ phase: 'activating', version });
        const res = await unary<ActivateResponse__Output>(
          'Activate',
          t,
          (md, o, cb) => os.activate({ version, noReboot }, md, o, cb),
          timeoutMs,
        );
        if (res.response === 'activateOk') return { sent: true };
        throw activateFailure(t, version, res.response === 'activateError' ? res.activateError : undefined);
      } finally {
        if (beat) clearInterval(beat);
      }
    },
  };
}
