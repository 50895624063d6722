/**
 * Authenticated requests to one BMC. Session authentication (DSP0266 "Redfish session login"): POST
 * UserName/Password to the Sessions collection the service root links (Links.Sessions), keep the
 * X-Auth-Token, log out by DELETE of the session's URI (Location); a token the BMC has expired (401)
 * is renewed once by a new login. Basic authentication sends the credentials on every request, for
 * services without a SessionService (sushy-tools).
 */
import { answerError } from './answer-errors';
import type { BmcTarget } from './bmc-address';
import { RedfishError } from './errors';
import { exchange, type ExchangeContext, type ExchangeRequest, type ExchangeResponse } from './exchange';
import type { BmcCredentials } from './types';

interface Session {
  token: string;
  uri: string;
}

export class BmcConnection {
  private session?: Session;
  /** The Sessions collection when session authentication is in use, else basic. */
  private sessionsUri?: string;

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly cred: BmcCredentials,
  ) {}

  get target(): BmcTarget {
    return this.ctx.target;
  }

  get origin(): string {
    return this.ctx.target.origin;
  }

  get usesSession(): boolean {
    return this.sessionsUri !== undefined;
  }

  /** A request with no credentials (the service root, which DSP0266 serves unauthenticated). */
  anonymous(req: ExchangeRequest): Promise<ExchangeResponse> {
    return exchange(this.ctx, req);
  }

  /** Basic authentication from now on. */
  useBasic(): void {
    this.sessionsUri = undefined;
  }

  /** Log in at `sessionsUri`; later requests carry the session's token. */
  async login(sessionsUri: string): Promise<void> {
    this.sessionsUri = sessionsUri;
    const res = await exchange(this.ctx, {
      method: 'POST',
      path: sessionsUri,
      body: { UserName: this.cred.username, Password: this.cred.password },
    });
    if (res.status !== 201 && res.status !== 200)
      throw answerError(this.origin, 'POST', sessionsUri, res, `session login as ${this.cred.username}`);
    const token = header(res, 'x-auth-token');
    const uri = header(res, 'location') ?? (res.json as { '@odata.id'?: string } | undefined)?.['@odata.id'];
    if (!token || !uri)
      throw new RedfishError(
        'Protocol',
        `BMC ${this.origin} answered the session login at ${sessionsUri} without ${token ? 'a Location' : 'an X-Auth-Token'} header: ` +
          `use basic authentication for this BMC (auth: 'basic') or update its firmware`,
        { bmc: this.origin, resource: sessionsUri, status: res.status },
      );
    this.session = { token, uri: pathOf(uri) };
  }

  /** DELETE the session (if any), then close the kept connection. */
  async logout(): Promise<void> {
    try {
      await this.deleteSession();
    } finally {
      this.dropConnection();
    }
  }

  /** Closes the kept connection; a later request opens (and pins) a new one. */
  dropConnection(): void {
    this.ctx.agent.destroy();
  }

  /** DELETE the session; one the BMC already dropped (401/404) is gone as well. */
  private async deleteSession(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    const res = await exchange(this.ctx, {
      method: 'DELETE',
      path: session.uri,
      headers: { 'X-Auth-Token': session.token },
    });
    if (res.status >= 300 && res.status !== 401 && res.status !== 404)
      throw answerError(this.origin, 'DELETE', session.uri, res, 'session logout');
  }

  /** An authenticated request; a session token the BMC no longer knows is renewed once. */
  async send(req: ExchangeRequest): Promise<ExchangeResponse> {
    const res = await exchange(this.ctx, this.authorized(req));
    if (res.status !== 401 || !this.sessionsUri) return res;
    await this.login(this.sessionsUri);
    return exchange(this.ctx, this.authorized(req));
  }

  /** GET a resource as JSON; a non-2xx answer becomes its RedfishError. */
  async getJson<T>(path: string, what?: string): Promise<T> {
    const res = await this.send({ method: 'GET', path });
    if (res.status < 200 || res.status >= 300) throw answerError(this.origin, 'GET', path, res, what);
    if (typeof res.json !== 'object' || res.json === null)
      throw new RedfishError(
        'Protocol',
        `BMC ${this.origin} answered GET ${path} with ${res.text.trim() ? 'a body that is not JSON' : 'no body'}: check the BMC's firmware`,
        { bmc: this.origin, resource: path, status: res.status },
      );
    return res.json as T;
  }

  private authorized(req: ExchangeRequest): ExchangeRequest {
    const auth: Record<string, string> = this.session
      ? { 'X-Auth-Token': this.session.token }
      : {
          Authorization: `Basic ${Buffer.from(`${this.cred.username}:${this.cred.password}`).toString('base64')}`,
        };
    return { ...req, headers: { ...auth, ...req.headers } };
  }
}

function header(res: ExchangeResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A Location may be absolute (https://bmc/redfish/v1/...) or a path; requests use the path. */
export function pathOf(uri: string): string {
  if (uri.startsWith('/')) return uri;
  try {
    const u = new URL(uri);
    return u.pathname + u.search;
  } catch {
    return `/${uri}`;
  }
}
