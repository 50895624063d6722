/**
 * One BMC conversation for one activity attempt: the access is read
 * (credentials.ts), a Redfish session opened (the client pins the
 * certificate before any credential is sent), the work done, the session
 * closed. Every error the client throws leaves here as a failure of the
 * catalogue (failures.ts), naming the DPU, the BMC and the step.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { BmcRef } from '../../model/install-path';
import type { BmcAccessReader } from './credentials';
import { bmcTarget } from './credentials';
import { bmcFailure, type BmcTarget } from './failures';
import type { OpenRedfish, RedfishSession } from './redfish-port';

/** What every redfish activity is given: the DPU, its namespace (for the Secrets) and its BMC. */
export interface RedfishCallInput {
  dpu: string;
  namespace: string;
  bmc: BmcRef;
}

export interface RedfishDeps {
  access: BmcAccessReader;
  open: OpenRedfish;
  /** Per-request timeout of the client (default 20 s). */
  timeoutMs?: number;
}

export async function withBmc<T>(
  deps: RedfishDeps,
  input: RedfishCallInput,
  step: string,
  work: (s: RedfishSession, t: BmcTarget) => Promise<T>,
): Promise<T> {
  const t = bmcTarget(input);
  const access = await deps.access(t, input.bmc);
  let session: RedfishSession;
  try {
    session = await deps.open(access.endpoint, access.credentials, {
      auth: 'auto',
      timeoutMs: deps.timeoutMs ?? 20_000,
    });
  } catch (err) {
    throw bmcFailure(t, step, err);
  }
  try {
    return await work(session, t);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw bmcFailure(t, step, err);
  } finally {
    await session.close().catch((err: unknown) =>
      // The session times out on the BMC by itself; a failed logout is worth a line, not a failure.
      log.warn('cannot log out of the BMC', { dpu: t.dpu, bmc: t.address, error: String(err) }),
    );
  }
}
