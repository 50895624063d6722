/**
 * One kept-alive, pinned TLS connection per RedfishSession. An https.Agent with keepAlive and
 * maxSockets 1 whose every new connection comes from connectPinned (tls-pin.ts): the certificate is
 * checked once per connection, before the agent writes anything on it, so a BMC that is not the
 * pinned one never sees a request; later requests of the session reuse that connection (HTTP/1.1
 * persistent connections, RFC 9112 §9.3) instead of a TLS handshake each, which a BMC's small web
 * server pays for on every request. A connection the BMC closed (idle timeout, BMC reboot) leaves the
 * agent when it closes, and the next request opens and pins a new one.
 *
 * The race a kept connection brings, a BMC closing it just as a request is written on it, is handled
 * as RFC 9110 §9.2.2 allows: an idempotent request (GET, DELETE) that lost a reused connection before
 * any answer is sent once more on a new one (exchange.ts); a POST or PATCH is never repeated, and
 * goes on a new connection when the kept one has been idle longer than REUSE_IDLE_FOR_UNSAFE_MS, so it
 * does not meet a connection the BMC is about to drop.
 */
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { BmcTarget } from './bmc-address';
import { connectPinned } from './tls-pin';
import type { BmcEndpoint } from './types';

/** A POST/PATCH reuses the kept connection only when it answered this recently. */
export const REUSE_IDLE_FOR_UNSAFE_MS = 1_000;

export class PinnedAgent extends https.Agent {
  /** When the last answer on this agent's connection ended (ms since epoch), 0 before any. */
  private lastAnswerAt = 0;

  constructor(
    private readonly target: BmcTarget,
    private readonly endpoint: BmcEndpoint,
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {
    // One request at a time on one connection: a BMC serves few connections, and Redfish calls of one
    // session follow one another.
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  }

  /** Every new connection: TLS with the pin checked before the agent gets the socket. */
  override createConnection(
    _options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | undefined {
    if (!callback) throw new Error('PinnedAgent connects asynchronously: Node passes a callback');
    // Node's Agent calls back with the error alone when a connection cannot be made (_http_agent.js).
    const failed = callback as (err: Error) => void;
    connectPinned(this.target, this.endpoint, this.timeoutMs, this.signal).then(
      (socket) => callback(null, socket),
      (err: Error) => failed(err),
    );
    return undefined;
  }

  /** An answer ended: the kept connection was alive just now. */
  answered(): void {
    this.lastAnswerAt = Date.now();
  }

  /** Before a POST/PATCH: drop a kept connection idle long enough that the BMC may be closing it. */
  freshForUnsafe(): void {
    if (Date.now() - this.lastAnswerAt <= REUSE_IDLE_FOR_UNSAFE_MS) return;
    for (const sockets of Object.values(this.freeSockets)) for (const s of sockets ?? []) s.destroy();
  }
}
