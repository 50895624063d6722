/**
 * The error a gRPC server handler passes to its callback to answer with a
 * status other than OK (grpc-js sends `code` and `details` to the caller).
 */
import * as grpc from '@grpc/grpc-js';

export function serviceError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), {
    code,
    details,
    metadata: new grpc.Metadata(),
  }) as grpc.ServiceError;
}
