/**
 * Opening a BMC: the service root, read without credentials as DSP0266 allows (a certificate that is
 * not the pinned one fails here, before any credential exists on the wire); then a session login when
 * the root links a Sessions collection (Links.Sessions, DSP0266 "Session management"), else basic
 * authentication, checked at once on the first linked collection so wrong credentials fail here.
 */
import { answerError } from './answer-errors';
import { bmcTarget } from './bmc-address';
import { BmcConnection } from './bmc-connection';
import { PinnedAgent } from './pinned-agent';
import { RedfishError } from './errors';
import { SERVICE_ROOT } from './navigation';
import { BmcSession, type RedfishSession } from './redfish-session';
import type { BmcCredentials, BmcEndpoint, OpenOptions, ServiceRoot } from './types';

const DEFAULT_TIMEOUT_MS = 30_000;

export async function openRedfish(
  ep: BmcEndpoint,
  cred: BmcCredentials,
  opts: OpenOptions = {},
): Promise<RedfishSession> {
  const auth = opts.auth ?? 'auto';
  const target = bmcTarget(ep.address);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const agent = new PinnedAgent(target, ep, timeoutMs, opts.signal);
  const conn = new BmcConnection({ target, agent, timeoutMs, signal: opts.signal }, cred);
  try {
    return await login(conn, auth);
  } catch (err) {
    conn.dropConnection(); // no idle connection left on the BMC by a failed open
    throw err;
  }
}

async function login(conn: BmcConnection, auth: NonNullable<OpenOptions['auth']>): Promise<RedfishSession> {
  const target = conn.target;
  const root = await readRoot(conn);
  const sessions = root.Links?.Sessions?.['@odata.id'];
  if (auth === 'session' && !sessions)
    throw new RedfishError(
      'Protocol',
      `BMC ${target.origin} offers no SessionService (its service root links no Sessions): open it with auth 'basic' or 'auto'`,
      { bmc: target.origin, resource: SERVICE_ROOT },
    );
  if (sessions && auth !== 'basic') {
    await conn.login(sessions);
  } else {
    conn.useBasic();
    await checkBasic(conn, root);
  }
  return new BmcSession(conn, root);
}

async function readRoot(conn: BmcConnection): Promise<ServiceRoot> {
  let res = await conn.anonymous({ method: 'GET', path: SERVICE_ROOT });
  // A service that guards even its root: ask again with credentials (the pin has been checked already).
  if (res.status === 401) res = await conn.send({ method: 'GET', path: SERVICE_ROOT });
  if (res.status !== 200)
    throw answerError(conn.origin, 'GET', SERVICE_ROOT, res, 'reading the Redfish service root');
  const root = res.json as ServiceRoot | undefined;
  if (typeof root !== 'object' || root === null || !root['@odata.id'])
    throw new RedfishError(
      'Protocol',
      `${conn.origin}${SERVICE_ROOT} is not a Redfish service root (no @odata.id): check that the address is the BMC's Redfish port`,
      { bmc: conn.origin, resource: SERVICE_ROOT, status: res.status },
    );
  return root;
}

/** Wrong basic credentials show on the first guarded resource; read one now so open fails with them. */
async function checkBasic(conn: BmcConnection, root: ServiceRoot): Promise<void> {
  const guarded = root.Systems ?? root.Managers ?? root.UpdateService;
  if (guarded) await conn.getJson(guarded['@odata.id'], 'checking the BMC credentials');
}
