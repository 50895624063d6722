/**
 * grpcurl, with gNOI's own protos (github.com/openconfig/gnoi@v0.8.0 from the
 * Go module proxy), drives xpuflow's DMS simulator: Install as a client stream
 * of JSON messages, Verify, Activate, Reboot and RebootStatus, in plaintext and
 * over mTLS as DMS is reached in production. A simulator that drifted from
 * upstream gNOI (a field number, a oneof, a streaming shape) fails here.
 *
 * The request bodies are in REQUESTS below; DMS activation the DPF way (version
 * "<bfb>;<cfg version>", DMS rebooting by itself, RebootStatus of the CPU
 * subcomponent) changes only those and the Activate expectations.
 */
import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { startDmsSimulator, type DmsSimulator } from '../../sim/dms';
import { TestPki } from '../support/certs';
import { describeWith, goToolsBin, upstreamProtoDir } from '../support/third-party-tools';
import { grpcurl, type GrpcurlCall } from './grpcurl';

const tools = goToolsBin();
const protos = upstreamProtoDir();

const IMAGE = Buffer.from('a BFB image sent by grpcurl '.repeat(2000));

const REQUESTS = {
  /** TransferRequest, the content in two chunks, TransferEnd (gnoi os.proto InstallRequest oneof). */
  install: (version: string) => [
    { transfer_request: { version } },
    { transfer_content: IMAGE.subarray(0, 30_000).toString('base64') },
    { transfer_content: IMAGE.subarray(30_000).toString('base64') },
    { transfer_end: {} },
  ],
  activate: (version: string) => ({ version }),
  reboot: { method: 'COLD', delay: '0', message: 'grpcurl contract test' },
  /** The CPU subcomponent, as DPF asks (gnoi types.proto Path). */
  rebootStatus: { subcomponents: [{ elem: [{ name: 'CPU' }] }] },
};

describeWith([tools, protos], 'the grpcurl DMS contract tests')(
  'grpcurl with upstream gNOI protos against sim/dms',
  () => {
    let sim: DmsSimulator;
    const call = (method: string, requests?: unknown[], extra: Partial<GrpcurlCall> = {}) =>
      grpcurl({
        bin: tools.dir as string,
        importPaths: [protos.dir as string],
        protos: ['github.com/openconfig/gnoi/os/os.proto', 'github.com/openconfig/gnoi/system/system.proto'],
        address: sim.address,
        method,
        requests,
        ...extra,
      });

    beforeAll(async () => {
      sim = await startDmsSimulator({ flashMs: 50, rebootMs: 60_000, initialVersion: 'bf-factory' });
    });
    afterAll(async () => {
      await sim?.stop();
    });

    test('Install as a client stream: TransferReady, then Validated; the image is staged whole', async () => {
      const r = await call('gnoi.os.OS/Install', REQUESTS.install('bf-grpcurl'));
      expect(r.exitCode).toBe(0);
      expect(r.answers[0]).toEqual({ transferReady: {} });
      expect(r.answers[r.answers.length - 1]).toEqual({
        validated: expect.objectContaining({ version: 'bf-grpcurl' }),
      });
      const staged = (await sim.state()).stagedImages.find((s) => s.version === 'bf-grpcurl');
      expect(staged).toMatchObject({ bytes: IMAGE.length });
    });

    test('Install of a version already staged answers Validated at once', async () => {
      const r = await call('gnoi.os.OS/Install', [{ transfer_request: { version: 'bf-grpcurl' } }]);
      expect(r.answers).toEqual([{ validated: expect.objectContaining({ version: 'bf-grpcurl' }) }]);
    });

    test('Verify reports the running version', async () => {
      const r = await call('gnoi.os.OS/Verify', [{}]);
      expect(r.answers).toEqual([expect.objectContaining({ version: 'bf-factory' })]);
    });

    test('Activate of a version never installed fails with NON_EXISTENT_VERSION', async () => {
      const unknown = await call('gnoi.os.OS/Activate', [REQUESTS.activate('bf-never-installed')]);
      expect(unknown.answers).toEqual([
        { activateError: expect.objectContaining({ type: 'NON_EXISTENT_VERSION' }) },
      ]);
    });

    test('the bf.cfg installed as a ".cfg" version, then Activate of "<bfb>;<cfg>" as DPF sends it: DMS reboots the DPU itself', async () => {
      const cfg = await call('gnoi.os.OS/Install', [
        { transfer_request: { version: 'bf-grpcurl.cfg' } },
        { transfer_content: Buffer.from('BFB_NAME=bf-grpcurl\n').toString('base64') },
        { transfer_end: {} },
      ]);
      expect(cfg.exitCode).toBe(0);
      // no_reboot left at its default (false), as DPF's installing state sends it (proto/gnoi/README.md)
      const ok = await call('gnoi.os.OS/Activate', [REQUESTS.activate('bf-grpcurl;bf-grpcurl.cfg')]);
      expect(ok.answers).toEqual([{ activateOk: {} }]);
      const status = await call('gnoi.system.System/RebootStatus', [REQUESTS.rebootStatus]);
      expect(status.answers).toEqual([
        expect.objectContaining({ active: true, reason: 'activate bf-grpcurl;bf-grpcurl.cfg', count: 1 }),
      ]);
    });

    test('Reboot while DMS is rebooting the DPU is refused with ALREADY_EXISTS', async () => {
      const again = await call('gnoi.system.System/Reboot', [REQUESTS.reboot]);
      expect(again.status?.code).toBe(grpc.status.ALREADY_EXISTS);
    });
  },
);

describeWith([tools, protos], 'the grpcurl DMS mTLS test')(
  'grpcurl over mTLS, as DMS is reached in production',
  () => {
    const pki = new TestPki();
    let sim: DmsSimulator;
    let tls: GrpcurlCall['tls'];

    beforeAll(async () => {
      const ca = pki.ca('dms-ca');
      const client = pki.issue(ca, 'grpcurl');
      const server = pki.issue(ca, 'dms', { serverNames: ['localhost', '127.0.0.1'] });
      tls = { cacert: ca.cert, cert: client.cert, key: client.key };
      sim = await startDmsSimulator({
        flashMs: 50,
        rebootMs: 50,
        initialVersion: 'bf-factory',
        credentials: grpc.ServerCredentials.createSsl(
          fs.readFileSync(ca.cert),
          [{ private_key: fs.readFileSync(server.key), cert_chain: fs.readFileSync(server.cert) }],
          true,
        ),
      });
    });
    afterAll(async () => {
      await sim?.stop();
      pki.dispose();
    });

    const verify = (t: GrpcurlCall['tls']) =>
      grpcurl({
        bin: tools.dir as string,
        importPaths: [protos.dir as string],
        protos: ['github.com/openconfig/gnoi/os/os.proto'],
        address: sim.address,
        method: 'gnoi.os.OS/Verify',
        tls: t,
      });

    test('with -cacert and a client certificate Verify goes through', async () => {
      const r = await verify(tls);
      expect(r.answers).toEqual([expect.objectContaining({ version: 'bf-factory' })]);
    });

    test('without a client certificate the server refuses', async () => {
      await expect(verify({ cacert: (tls as { cacert: string }).cacert })).rejects.toThrow(
        /exited 1: .*(Failed to dial|certificate|handshake)/s,
      );
    });
  },
);
