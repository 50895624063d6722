import { ApplicationFailure } from '@temporalio/common';

/** The ApplicationFailure a promise rejects with; fails the test when it resolves or rejects otherwise. */
export async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}
