/**
 * What a failed call to Temporal says, in an operator's terms: the gRPC
 * status under the SDK's wrapper ("Failed to query Workflow" alone names
 * neither the server nor the reason). Seen on a cluster whose matching
 * service was killed: the query gets no answer until matching is back
 * (test/e2e/temporal-cluster.test.ts).
 */
import { status as grpcStatus } from '@grpc/grpc-js';

interface GrpcLike {
  code: number;
  details?: string;
}

function grpcCause(err: unknown): GrpcLike | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'number' && e.code in grpcStatus) return e as GrpcLike;
  }
  return undefined;
}

/** `UNAVAILABLE: <what the server said>`, or the error's own message when it is not a gRPC status. */
export function temporalCallProblem(err: unknown): string {
  const g = grpcCause(err);
  if (!g) return (err as Error).message ?? String(err);
  const name = grpcStatus[g.code] ?? String(g.code);
  return `${name}: ${g.details || (err as Error).message}`;
}

/** True when the server (or the way to it) is away or too slow, not when it refused the request. */
export function temporalUnavailable(err: unknown): boolean {
  const g = grpcCause(err);
  return g?.code === grpcStatus.UNAVAILABLE || g?.code === grpcStatus.DEADLINE_EXCEEDED;
}
