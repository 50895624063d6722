/** A unary gRPC call as a promise, with a deadline and cancellation by an AbortSignal. */
import * as grpc from '@grpc/grpc-js';

export type UnaryInvoker<Res> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

/**
 * Calls `invoke` with a deadline `timeoutMs` from now. Rejects with the
 * grpc.ServiceError on failure, or with `signal.reason` once `signal` aborts
 * (the call is cancelled).
 */
export function callUnary<Res>(
  invoke: UnaryInvoker<Res>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    function onAbort(): void {
      call.cancel();
    }
    const call = invoke(new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, value) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason);
      else if (err) reject(err);
      else if (value === undefined) reject(new Error('gRPC call returned no response message'));
      else resolve(value);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
