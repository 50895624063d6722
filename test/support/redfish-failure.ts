import { RedfishError } from '../../activities/redfish/client';

/** The RedfishError a Redfish client call rejects with; fails the test when it resolves or rejects otherwise. */
export async function redfishFailure(p: Promise<unknown>): Promise<RedfishError> {
  const err = await p.then(
    () => {
      throw new Error('expected a RedfishError, got success');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof RedfishError)) throw new Error(`expected a RedfishError, got ${String(err)}`);
  return err;
}
