/**
 * Loads xpuflow's gNOI subset (proto/gnoi/*.proto) with @grpc/proto-loader and
 * exports typed client constructors and service definitions for gnoi.os.OS and
 * gnoi.system.System. The types come from proto/gen (regenerate with
 * `npm run proto:gen` after editing a .proto).
 *
 * Loader options, fixed here and matched by the generated types:
 * - keepCase false: fields are camelCase (`transferRequest`, `bytesReceived`).
 * - longs String: uint64 fields arrive as decimal strings. RebootStatus.when is
 *   nanoseconds since the epoch (~1.7e18), beyond Number's safe range, so a
 *   Number would silently lose precision. Inputs accept number or string.
 * - enums String: enum fields arrive as names (`'INTEGRITY_FAIL'`).
 * - defaults + oneofs: absent scalars arrive as their defaults, and a oneof's
 *   virtual field (`response`, `request`) names the member that is set.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as OsProto } from './gen/os';
import type { ProtoGrpcType as SystemProto } from './gen/system';

export type { OSClient, OSHandlers, OSDefinition } from './gen/gnoi/os/OS';
export type { SystemClient, SystemHandlers, SystemDefinition } from './gen/gnoi/system/System';
export type { InstallRequest, InstallRequest__Output } from './gen/gnoi/os/InstallRequest';
export type { InstallResponse, InstallResponse__Output } from './gen/gnoi/os/InstallResponse';
export type { InstallError__Output } from './gen/gnoi/os/InstallError';
export type { ActivateRequest__Output } from './gen/gnoi/os/ActivateRequest';
export type { ActivateResponse, ActivateResponse__Output } from './gen/gnoi/os/ActivateResponse';
export type { VerifyResponse, VerifyResponse__Output } from './gen/gnoi/os/VerifyResponse';
export type { RebootRequest__Output } from './gen/gnoi/system/RebootRequest';
export type { RebootMethod__Output } from './gen/gnoi/system/RebootMethod';
export type {
  RebootStatusResponse,
  RebootStatusResponse__Output,
} from './gen/gnoi/system/RebootStatusResponse';

/** Options every loader of these protos must use (the generated types assume them). */
export const PROTO_LOADER_OPTIONS: Readonly<protoLoader.Options> = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/**
 * The folder holding `gnoi/*.proto`: `<repo>/proto`, found by walking up from
 * this file to the folder with package.json. Works from the TS sources
 * (`<repo>/proto/load.ts`) and from the build (`<repo>/dist/proto/load.js`).
 */
export function protoDir(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'proto', 'gnoi'))) {
      return path.join(dir, 'proto');
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(
        `cannot find proto/gnoi/*.proto above ${start}: xpuflow must run from its package folder ` +
          `(the one with package.json and proto/), not from a copy of dist/ alone`,
      );
    }
    dir = parent;
  }
}

/**
 * Loads one .proto file, named by its path under proto/ with forward slashes
 * (`gnoi/os.proto`), with PROTO_LOADER_OPTIONS and proto/ as the include folder.
 */
export function loadProtoPackage(file: string): grpc.GrpcObject {
  const definition = protoLoader.loadSync(path.join(...file.split('/')), {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [protoDir()],
  });
  return grpc.loadPackageDefinition(definition);
}

let osProto: OsProto | undefined;
let systemProto: SystemProto | undefined;

/** The loaded gnoi.os package (loaded once, on first use). */
export function gnoiOs(): OsProto['gnoi']['os'] {
  osProto ??= loadProtoPackage('gnoi/os.proto') as unknown as OsProto;
  return osProto.gnoi.os;
}

/** The loaded gnoi.system package (loaded once, on first use). */
export function gnoiSystem(): SystemProto['gnoi']['system'] {
  systemProto ??= loadProtoPackage('gnoi/system.proto') as unknown as SystemProto;
  return systemProto.gnoi.system;
}

/** `new (osClientConstructor())(address, credentials)` makes a typed OS client. */
export function osClientConstructor(): OsProto['gnoi']['os']['OS'] {
  return gnoiOs().OS;
}

export function systemClientConstructor(): SystemProto['gnoi']['system']['System'] {
  return gnoiSystem().System;
}

/** Service definitions, for grpc.Server#addService. */
export function osServiceDefinition(): OsProto['gnoi']['os']['OS']['service'] {
  return gnoiOs().OS.service;
}

export function systemServiceDefinition(): SystemProto['gnoi']['system']['System']['service'] {
  return gnoiSystem().System.service;
}
