/** `dmsVerify`: the version the DPU runs, and why the last activation failed if it did. */
import type { VerifyResponse__Output } from '../../proto/load';
import { checkEndpoint, type DmsCallInput, type DmsSession } from './session';

export interface DmsVerifyResult {
  version: string;
  activationFailMessage?: string;
}

export function verifyActivity({ clients, unary }: DmsSession) {
  return {
    /** The version the DPU runs, and why the last activation failed if it did. */
    async dmsVerify(input: DmsCallInput): Promise<DmsVerifyResult> {
      const t = checkEndpoint(input, 'dmsVerify');
      const os = clients.os(t.address);
      const res = await unary<VerifyResponse__Output>('Verify', t, (md, o, cb) => os.verify({}, md, o, cb));
      return res.activationFailMessage
        ? { version: res.version, activationFailMessage: res.activationFailMessage }
        : { version: res.version };
    },
  };
}
