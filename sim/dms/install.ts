/**
 * The DMS simulator's OS.Install stream: TransferRequest, then either an
 * immediate Validated (version already staged) or TransferReady, content
 * chunks with TransferProgress now and then, TransferEnd, and Validated or
 * InstallError. Nothing is staged unless TransferEnd arrives and passes.
 * A kill point (holds.ts) may pause a BFB's stream after its first chunk, or
 * hold Validated back after staging; a stream cut before TransferEnd counts
 * in counters.transfersCut.
 */
import { createHash } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { InstallRequest__Output, InstallResponse } from '../../proto/load';
import type { FaultBox } from './faults';
import type { StepHolds } from './holds';
import { isCfgVersion, type DmsTarget } from './target';

type InstallCall = grpc.ServerDuplexStream<InstallRequest__Output, InstallResponse>;
type InstallErrorType =
  'UNSPECIFIED' | 'PARSE_FAIL' | 'INTEGRITY_FAIL' | 'INSTALL_IN_PROGRESS' | 'NOT_SUPPORTED_ON_BACKUP';

export interface InstallSettings {
  /** Send TransferProgress each time this many more bytes have arrived. */
  progressEveryBytes: number;
  /** Kill points a test armed (holds.ts): `transfer-bfb`, `after-transfer-bfb`, `after-transfer-cfg`. */
  holds: StepHolds;
}

/** Runs one admitted Install stream to its end. */
export function serveInstall(
  call: InstallCall,
  target: DmsTarget,
  faults: FaultBox,
  settings: InstallSettings,
): void {
  // 'validating': staged, Validated not yet sent (a kill point may hold it there).
  let phase: 'awaiting-request' | 'receiving' | 'validating' | 'done' = 'awaiting-request';
  let version = '';
  let received = 0;
  let nextProgress = settings.progressEveryBytes;
  const hash = createHash('sha256');
  // A bf.cfg is small text: its bytes are kept to be read back (StagedImage.content).
  const cfgChunks: Buffer[] = [];

  const finish = (response?: InstallResponse): void => {
    if (phase === 'done') return;
    if ((phase === 'receiving' || phase === 'validating') && target.installing === version) {
      target.installing = undefined;
    }
    phase = 'done';
    if (response && !call.cancelled) {
      call.write(response);
      call.end();
    }
  };
  const fail = (type: InstallErrorType, detail: string): void => finish({ installError: { type, detail } });

  /** The stream went before TransferEnd: a transfer cut, nothing staged (a staged one stays). */
  const cut = (response?: InstallResponse): void => {
    if (phase === 'receiving') target.counters.transfersCut += 1;
    finish(response);
  };
  call.on('cancelled', () => cut());
  call.on('error', () => cut());
  call.on('end', () => {
    if (phase === 'receiving') {
      cut({
        installError: {
          type: 'UNSPECIFIED',
          detail: `stream for ${JSON.stringify(version)} ended after ${received} bytes without TransferEnd; nothing staged`,
        },
      });
    } else if (phase === 'awaiting-request') {
      fail('UNSPECIFIED', 'stream ended before a TransferRequest');
    }
  });

  call.on('data', (msg: InstallRequest__Output) => {
    if (phase === 'done' || phase === 'validating') return;
    if (phase === 'awaiting-request') {
      const req = msg.transferRequest;
      if (msg.request !== 'transferRequest' || !req) {
        fail(
          'UNSPECIFIED',
          `the first message of an Install must be a TransferRequest, got ${msg.request ?? 'nothing'}`,
        );
        return;
      }
      version = req.version;
      if (version === '') {
        fail(
          'PARSE_FAIL',
          'TransferRequest.version is empty; this DMS needs the version the package is staged as',
        );
        return;
      }
      if (req.standbySupervisor) {
        fail('NOT_SUPPORTED_ON_BACKUP', 'a DPU has no standby supervisor; send standby_supervisor = false');
        return;
      }
      if (target.isStaged(version)) {
        finish({ validated: { version, description: 'already staged; nothing transferred' } });
        return;
      }
      if (target.installing !== undefined) {
        fail(
          'INSTALL_IN_PROGRESS',
          `an Install of ${JSON.stringify(target.installing)} is in progress; retry ${JSON.stringify(version)} when it ends`,
        );
        return;
      }
      target.installing = version;
      phase = 'receiving';
      call.write({ transferReady: {} });
      return;
    }
    // phase === 'receiving'
    if (msg.request === 'transferContent' && msg.transferContent) {
      received += msg.transferContent.length;
      hash.update(msg.transferContent);
      if (isCfgVersion(version)) cfgChunks.push(Buffer.from(msg.transferContent));
      if (received >= nextProgress) {
        call.write({ transferProgress: { bytesReceived: received } });
        while (nextProgress <= received) nextProgress += settings.progressEveryBytes;
      }
      const held = isCfgVersion(version) ? undefined : settings.holds.take('transfer-bfb', call);
      if (held) {
        // Mid-stream: read no more until released; the client's sends back up meanwhile.
        call.pause();
        void held.then(() => call.resume());
      }
      return;
    }
    if (msg.request === 'transferEnd') {
      if (received === 0) {
        fail('PARSE_FAIL', `no content was sent for ${JSON.stringify(version)}; nothing staged`);
        return;
      }
      if (faults.takeIntegrityFail()) {
        fail(
          'INTEGRITY_FAIL',
          `package ${JSON.stringify(version)} (${received} bytes) failed its integrity check (injected INTEGRITY_FAIL); nothing staged`,
        );
        return;
      }
      const sha256 = hash.digest('hex');
      const kind = isCfgVersion(version) ? 'cfg' : 'bfb';
      target.stage({
        version,
        kind,
        bytes: received,
        sha256,
        ...(kind === 'cfg' ? { content: Buffer.concat(cfgChunks).toString('utf8') } : {}),
      });
      phase = 'validating';
      const validated = { validated: { version, description: `${received} bytes, sha256 ${sha256}` } };
      const held = settings.holds.take(kind === 'cfg' ? 'after-transfer-cfg' : 'after-transfer-bfb', call);
      if (held) void held.then(() => finish(validated));
      else finish(validated);
      return;
    }
    fail(
      'UNSPECIFIED',
      `unexpected ${msg.request ?? 'empty message'} during the transfer of ${JSON.stringify(version)}`,
    );
  });
}
