/**
 * Whether a Kubernetes call failed because its API server is not there any
 * more: the connection refused or reset, as when a run's loopback API server
 * stops while a played controller is mid-pass. The client reports it on the
 * error (node-fetch: `code`) or on its cause (undici's fetch: `cause.code`).
 */
export function apiServerGone(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return [e?.code, e?.cause?.code].some((c) => c === 'ECONNREFUSED' || c === 'ECONNRESET');
}
