/**
 * Protos inside a single executable: xpuflow-cni runs as one file with no
 * proto/ folder beside it, so scripts/build-cni.sh embeds the .proto files it
 * needs as Node SEA assets, keyed by their path under proto/
 * (`hostagent/hostagent.proto`). Outside such an executable nothing is
 * embedded and the loaders read proto/ as usual.
 */
import * as sea from 'node:sea';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { PROTO_LOADER_OPTIONS } from './load';

/** The text of proto/<file> embedded in this executable, or undefined when not running as one. */
export function embeddedProto(file: string): string | undefined {
  if (!sea.isSea()) return undefined;
  try {
    return sea.getAsset(file, 'utf8');
  } catch (err) {
    throw new Error(
      `this executable embeds no ${file} (${(err as Error).message}): rebuild it with scripts/build-cni.sh`,
      { cause: err },
    );
  }
}

/**
 * Loads a self-contained .proto (no imports) from its text, with the options
 * every loader uses (load.ts PROTO_LOADER_OPTIONS: camelCase fields, longs
 * and enums as strings, defaults, oneofs), as loadProtoPackage does from a file.
 */
export function loadProtoText(text: string): grpc.GrpcObject {
  const { root } = protobuf.parse(text, { keepCase: PROTO_LOADER_OPTIONS.keepCase });
  return grpc.loadPackageDefinition(protoLoader.fromJSON(root.toJSON(), PROTO_LOADER_OPTIONS));
}
