/**
 * One HTTPS request to the BMC on a freshly pinned connection (tls-pin.ts), with DSP0266's request
 * headers (Accept, OData-Version 4.0, JSON bodies). One connection per request keeps the pin checked on
 * every exchange and leaves no idle sockets behind on a BMC, which serves few connections at once.
 */
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { BmcTarget } from './bmc-address';
import { RedfishError } from './errors';
import { connectPinned } from './tls-pin';
import type { BmcEndpoint } from './types';

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
  endpoint: BmcEndpoint;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function exchange(ctx: ExchangeContext, req: ExchangeRequest): Promise<ExchangeResponse> {
  const socket = await connectPinned(ctx.target, ctx.endpoint, ctx.timeoutMs, ctx.signal);
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
      // No agent: with createConnection and no agent, Node writes on this (already pinned) socket.
      createConnection: () => socket,
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
    request.on('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(
        err instanceof RedfishError
          ? err
          : unavailable(`dropped the connection (${err.code ?? err.message})`, err),
      );
    });
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) request.destroy(unavailable(`sent more than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        done();
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

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // the caller says which resource answered non-JSON where JSON was due
  }
}
