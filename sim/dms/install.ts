/**
 * The DMS simulator's OS.Install stream: TransferRequest, then either an
 * immediate Validated (version already staged) or TransferReady, content
 * chunks with TransferProgress now and then, TransferEnd, and Validated or
 * InstallError. Nothing is staged unless TransferEnd arrives and passes.
 */
import { createHash } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { InstallRequest__Output, InstallResponse } from '../../proto/load';
import type { FaultBox } from './faults';
import { isCfgVersion, type DmsTarget } from './target';

type InstallCall = grpc.ServerDuplexStream<InstallRequest__Output, InstallResponse>;
type InstallErrorType =
  'UNSPECIFIED' | 'PARSE_FAIL' | 'INTEGRITY_FAIL' | 'INSTALL_IN_PROGRESS' | 'NOT_SUPPORTED_ON_BACKUP';

export interface InstallSettings {
  /** Send TransferProgress each time this many more bytes have arrived. */
  progressEveryBytes: number;
}

/** Runs one admitted Install stream to its end. */
export function serveInstall(
  call: InstallCall,
  target: DmsTarget,
  faults: FaultBox,
  settings: InstallSettings,
): void {
  let phase: 'awaiting-request' | 'receiving' | 'done' = 'awaiting-request';
  let version = '';
  let received = 0;
  let nextProgress = settings.progressEveryBytes;
  const hash = createHash('sha256');

  const finish = (response?: InstallResponse): void => {
    if (phase === 'done') return;
    if (phase === 'receiving' && target.installing === version) target.installing = undefined;
    phase = 'done';
    if (response && !call.cancelled) {
      call.write(response);
      call.end();
    }
  };
  const fail = (type: InstallErrorType, detail: string): void => finish({ installError: { type, detail } });

  call.on('cancelled', () => finish());
  call.on('error', () => finish());
  call.on('end', () => {
    if (phase === 'receiving') {
      fail(
        'UNSPECIFIED',
        `stream for ${JSON.stringify(version)} ended after ${received} bytes without TransferEnd; nothing staged`,
      );
    } else if (phase === 'awaiting-request') {
      fail('UNSPECIFIED', 'stream ended before a TransferRequest');
    }
  });

  call.on('data', (msg: InstallRequest__Output) => {
    if (phase === 'done') return;
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
      if (received >= nextProgress) {
        call.write({ transferProgress: { bytesReceived: received } });
        while (nextProgress <= received) nextProgress += settings.progressEveryBytes;
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
      target.stage({ version, kind: isCfgVersion(version) ? 'cfg' : 'bfb', bytes: received, sha256 });
      finish({ validated: { version, description: `${received} bytes, sha256 ${sha256}` } });
      return;
    }
    fail(
      'UNSPECIFIED',
      `unexpected ${msg.request ?? 'empty message'} during the transfer of ${JSON.stringify(version)}`,
    );
  });
}
