/** A proto loaded from embedded text (as inside the xpuflow-cni executable) is the one loaded from proto/. */
import fs from 'node:fs';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { embeddedProto, loadProtoText } from '../../proto/load-embedded';
import { loadProtoPackage, protoDir } from '../../proto/load';

type Method = { path: string; requestSerialize(v: object): Buffer; responseDeserialize(b: Buffer): object };
const cniMethod = (pkg: grpc.GrpcObject) =>
  (
    ((pkg.xpuflow as grpc.GrpcObject).hostagent as grpc.GrpcObject).v1 as unknown as {
      HostAgent: { service: { Cni: Method } };
    }
  ).HostAgent.service.Cni;

test('hostagent.proto from its text serializes and decodes as from the file', () => {
  const fromFile = cniMethod(loadProtoPackage('hostagent/hostagent.proto'));
  const fromText = cniMethod(
    loadProtoText(fs.readFileSync(path.join(protoDir(), 'hostagent', 'hostagent.proto'), 'utf8')),
  );
  expect(fromText.path).toBe('/xpuflow.hostagent.v1.HostAgent/Cni');
  const req = { command: 'ADD', containerId: 'c', configJson: '{}', ipamResultJson: '{"ips":[]}' };
  expect(fromText.requestSerialize(req)).toEqual(fromFile.requestSerialize(req));
  const reply = fromFile.requestSerialize({}); // empty message: every field its default
  expect(fromText.responseDeserialize(reply)).toEqual(fromFile.responseDeserialize(reply));
  expect(fromText.responseDeserialize(Buffer.alloc(0))).toEqual({
    resultJson: '',
    errorCode: 0,
    errorMsg: '',
    errorDetails: '',
  });
});

test('outside a single executable nothing is embedded', () => {
  expect(embeddedProto('hostagent/hostagent.proto')).toBeUndefined();
});
