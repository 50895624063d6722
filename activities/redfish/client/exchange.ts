/**
 * One HTTPS request to the BMC on the session's pinned, kept-alive connection (pinned-agent.ts), with
 * DSP0266's request headers (Accept, OData-Version 4.0, JSON bodies). The certificate is checked on
 * every new connection before anything is written on it; an idempotent request that lost a reused
 * connection the BMC had just closed is sent once more on a new one (pinned-agent.ts says why).
 */
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { BmcTarget } from './bmc-address';
import { RedfishError } from './errors';
import type { PinnedAgent } from './pinned-agent';

export interface ExchangeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ExchangeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, undefined when empty or not JSON. */
  json?: unknown;
}

/** Bodies larger than this are a BMC fault, not a Redfish answer. */
const MAX_BODY = 8 * 1024 * 1024;

export interface ExchangeContext {
  target: BmcTarget;
  /** The session's one connection, pinned when opened (closed with the session). */
  agent: PinnedAgent;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A reused connection the BMC closed before answering: what Node reports for it. */
class StaleConnection extends Error {}

export async function exchange(ctx: ExchangeContext, req: ExchangeRequest): Promise<ExchangeResponse> {
  const idempotent = req.method === 'GET' || req.method === 'DELETE';
  if (!idempotent) ctx.agent.freshForUnsafe();
  try {
    return await exchangeOnce(ctx, req, idempotent);
  } catch (err) {
    if (!(err instanceof StaleConnection)) throw err;
    // The BMC closed the kept connection as the request went out: once more, on a new (pinned) one.
    return exchangeOnce(ctx, req, false);
  }
}

function exchangeOnce(
  ctx: ExchangeContext,
  req: ExchangeRequest,
  retryOnStale: boolean,
): Promise<ExchangeResponse> {
  const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
  return new Promise<ExchangeResponse>((resolve, reject) => {
    const unavailable = (why: string, cause?: unknown) =>
      new RedfishError(
        'Unavailable',
        `BMC ${ctx.target.origin} ${why} on ${req.method} ${req.path}: retry; if it persists check the BMC`,
        {
          bmc: ctx.target.origin,
          resource: req.path,
          cause,
        },
      );
    const request = https.request({
      method: req.method,
      host: ctx.target.host,
      port: ctx.target.port,
      path: req.path,
      // The agent hands out the kept connection or a new one that passed the pin check.
      agent: ctx.agent,
      headers: {
        Accept: 'application/json',
        'OData-Version': '4.0',
        ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
        ...req.headers,
      },
    });
    const timer = setTimeout(
      () => request.destroy(unavailable(`did not answer within ${ctx.timeoutMs} ms`)),
      ctx.timeoutMs,
    );
    const onAbort = () => request.destroy(unavailable('request aborted'));
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
    };
    let answered = false;
    request.on('error', (err: NodeJS.ErrnoException) => {
      done();
      if (retryOnStale && request.reusedSocket && !answered && isDropped(err))
        return reject(new StaleConnection(err.message));
      reject(
        err instanceof RedfishError
          ? err
          : unavailable(`dropped the connection (${err.code ?? err.message})`, err),
      );
    });
    request.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) request.destroy(unavailable(`sent more than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        done();
        ctx.agent.answered();
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
      });
      res.on('error', (err) => {
        done();
        reject(unavailable('broke off its answer', err));
      });
    });
    request.end(payload);
  });
}

/** How Node reports a connection the peer closed under a request. */
function isDropped(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up';
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // the caller says which resource answered non-JSON where JSON was due
  }
}
