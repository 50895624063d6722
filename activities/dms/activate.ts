/** `dmsActivate`: starts flashing a staged version; a no-op when it runs or is being flashed. */
import type { ActivateResponse__Output } from '../../proto/load';
import { activateFailure } from './failures';
import { checkEndpoint, checkVersion, type DmsCallInput, type DmsSession } from './session';

export function activateActivity({ clients, unary }: DmsSession) {
  return {
    /** Starts flashing a staged version; a no-op when it runs or is being flashed. */
    async dmsActivate(input: DmsCallInput & { version: string }): Promise<void> {
      const t = checkEndpoint(input, 'dmsActivate');
      const version = checkVersion(input.version, 'dmsActivate', t);
      const os = clients.os(t.address);
      const res = await unary<ActivateResponse__Output>('Activate', t, (md, o, cb) =>
        os.activate({ version }, md, o, cb),
      );
      if (res.response === 'activateOk') return;
      throw activateFailure(t, version, res.response === 'activateError' ? res.activateError : undefined);
    },
  };
}
