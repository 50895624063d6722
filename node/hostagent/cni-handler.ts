/**
 * What the host agent does for each CNI command xpuflow-cni forwards: ADD
 * (cni-add.ts) and its undo DEL (cni-del.ts) side by side, CHECK
 * (cni-check.ts), sharing the records ADD keeps for DEL (cni-state.ts).
 * Every check that can refuse runs before anything changes; ADD then joins
 * (or starts) the VF's lease and asks it, by update, to attach; DEL releases
 * the lease, or undoes ADD locally from its record when no lease is left.
 */
import { CniCode, CniError, DEFAULT_CNI_VERSION } from '../cni/errors';
import type { CniReply, CniRequest__Output } from '../../proto/load-vf';
import { cniAdd } from './cni-add';
import { cniCheck } from './cni-check';
import { cniDel } from './cni-del';
import { openCniState, type CniHandlerOptions, type CniState } from './cni-state';

export type { CniHandlerOptions } from './cni-state';

export function createCniHandler(opts: CniHandlerOptions) {
  const state = openCniState(opts);
  return async function handle(req: CniRequest__Output): Promise<CniReply> {
    try {
      return await runCommand(state, req, cniVersionOf(req.configJson));
    } catch (err) {
      const e = err instanceof CniError ? err : new CniError(CniCode.IoFailure, (err as Error).message);
      return { errorCode: e.code, errorMsg: e.message, errorDetails: e.details };
    }
  };
}

/** The configuration's cniVersion, for the ADD result (a bad configuration is reported by parseNetConf). */
function cniVersionOf(configJson: string): string {
  let version = DEFAULT_CNI_VERSION;
  try {
    version = (JSON.parse(configJson) as { cniVersion?: string }).cniVersion ?? version;
  } catch {
    // reported by parseNetConf
  }
  return version;
}

async function runCommand(state: CniState, req: CniRequest__Output, version: string): Promise<CniReply> {
  switch (req.command) {
    case 'ADD':
      return { resultJson: await cniAdd(state, req, version) };
    case 'DEL':
      await cniDel(state, req);
      return {};
    case 'CHECK':
      await cniCheck(state, req);
      return {};
    default:
      throw new CniError(
        CniCode.InvalidEnv,
        `CNI_COMMAND ${JSON.stringify(req.command)} is not ADD, DEL, CHECK or VERSION`,
      );
  }
}
