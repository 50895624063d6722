/**
 * The client side of gNOI OS.Install: TransferRequest, then either Validated
 * at once (already staged) or TransferReady → content chunks, one at a time
 * → TransferEnd → Validated | InstallError. Every wait is bounded, and an
 * AbortSignal cancels the stream.
 */
import type * as grpc from '@grpc/grpc-js';
import { ApplicationFailure } from '@temporalio/common';
import type { InstallRequest, InstallResponse__Output, OSClient } from '../../proto/load';
import {
  DmsFailureType,
  grpcFailure,
  installErrorFailure,
  installTimeout,
  isServiceError,
  type DmsEndpoint,
} from './failures';
import { EncodedTransferContent } from './transfer-content';

type InstallCall = grpc.ClientDuplexStream<InstallRequest, InstallResponse__Output>;

export interface InstallStreamOptions extends DmsEndpoint {
  client: OSClient;
  version: string;
  /** Longest wait for TransferReady, for grpc-js to take a write, or for any answer. */
  idleTimeoutMs: number;
  /** Longest wait for Validated after TransferEnd (DMS checks the image then). */
  validateTimeoutMs: number;
  signal?: AbortSignal;
}

/**
 * What to send once DMS is ready for it; only opened when DMS does not already
 * have the version. A chunk is the content's bytes, or the message carrying
 * them already encoded (transfer-content.ts: a file read into its messages).
 * The next chunk is asked for only once grpc-js has taken the last one
 * (InstallSession.send), so a source may reuse a chunk's memory for the next.
 */
export type ContentSource = () =>
  AsyncIterable<Buffer | EncodedTransferContent> | Iterable<Buffer | EncodedTransferContent>;

export interface InstallStreamResult {
  result: 'validated' | 'already-present';
  bytesSent: number;
}

class InstallSession {
  private readonly call: InstallCall;
  private readonly responses: InstallResponse__Output[] = [];
  private failure?: Error;
  private ended = false;
  private wake?: () => void;
  private readonly onAbort = (): void => {
    this.call.cancel();
    this.notify();
  };

  constructor(private readonly o: InstallStreamOptions) {
    this.call = o.client.install();
    this.call.on('data', (r: InstallResponse__Output) => {
      if (r.response !== 'transferProgress' && r.response !== 'syncProgress') this.responses.push(r);
      this.notify();
    });
    this.call.on('error', (err: Error) => {
      this.failure = err;
      this.notify();
    });
    this.call.on('end', () => {
      this.ended = true;
      this.notify();
    });
    o.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Sends one message and waits until grpc-js has taken it: the write's
   * callback. grpc-js calls it only after its compression filter has copied
   * the serialized message into the framed buffer it sends and keeps for
   * retries (@grpc/grpc-js 1.14.7, build/src/resolving-call.js
   * sendMessageOnChild: the filter stack's sendMessage, then the child call
   * gets the filtered message and the write's context; compression-filter.js
   * IdentityHandler.writeMessage: `message.copy(output, 5)`). So once this
   * returns, the message's bytes are free to reuse. The stream never holds
   * more than one of our messages, and grpc-js calls back at once only while
   * its copies fit its retry buffer (1 MiB a call by default,
   * internal-channel.js DEFAULT_PER_RPC_RETRY_BUFFER_SIZE_BYTES), else once
   * HTTP/2 has written the copy: DMS's flow control reaches the source.
   * A call that fails or is cancelled meanwhile may never call back: its
   * 'error' event ends the wait.
   */
  async send(msg: InstallRequest): Promise<void> {
    this.throwIfBroken();
    let taken = false;
    let refused: Error | null | undefined;
    this.call.write(msg, (err?: Error | null) => {
      taken = true;
      refused = err;
      this.notify();
    });
    await this.until('room to send the next message', this.o.idleTimeoutMs, () => {
      if (!taken) return undefined;
      if (refused) throw isServiceError(refused) ? grpcFailure('Install', this.o, refused) : refused;
      return true;
    });
  }

  /** An answer that arrived while sending content (an early InstallError), if any. */
  early(): InstallResponse__Output | undefined {
    return this.responses.shift();
  }

  /** The next answer other than progress. */
  next(what: string, timeoutMs: number): Promise<InstallResponse__Output> {
    return this.until(what, timeoutMs, () => {
      const r = this.responses.shift();
      if (r) return r;
      if (this.ended) {
        throw ApplicationFailure.retryable(
          `Install of ${this.o.version} to DMS at ${this.o.address} (DPU ${this.o.dpu}): the stream ended without ${what}; it will be retried`,
          DmsFailureType.RpcError,
        );
      }
      return undefined;
    });
  }

  /** Half-closes our side; DMS has already answered. */
  close(): void {
    this.o.signal?.removeEventListener('abort', this.onAbort);
    this.call.end();
  }

  cancel(): void {
    this.o.signal?.removeEventListener('abort', this.onAbort);
    this.call.cancel();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private throwIfBroken(): void {
    if (this.o.signal?.aborted) throw this.o.signal.reason;
    if (this.failure) {
      throw isServiceError(this.failure) ? grpcFailure('Install', this.o, this.failure) : this.failure;
    }
  }

  private async until<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // An answer already received wins over a failure that came after it.
      const value = check();
      if (value !== undefined) return value;
      this.throwIfBroken();
      const left = deadline - Date.now();
      if (left <= 0) {
        this.cancel();
        throw installTimeout(this.o, this.o.version, what, timeoutMs);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

function unexpected(o: InstallStreamOptions, r: InstallResponse__Output, when: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `Install of ${o.version} to DMS at ${o.address} (DPU ${o.dpu}): DMS answered ${r.response ?? 'an empty message'} ${when}, ` +
      `which gNOI OS.Install does not allow; check the DMS version`,
    DmsFailureType.ProtocolError,
  );
}

function checkValidated(o: InstallStreamOptions, r: InstallResponse__Output): void {
  const got = r.validated?.version ?? '';
  if (got !== '' && got !== o.version) {
    throw ApplicationFailure.nonRetryable(
      `DMS at ${o.address} (DPU ${o.dpu}) validated version ${JSON.stringify(got)} when ${JSON.stringify(o.version)} was sent; ` +
        `the image's embedded version does not match the version asked for — fix the version or the image`,
      DmsFailureType.InstallError,
    );
  }
}

/**
 * Installs `version` on DMS. `source` is opened only when DMS answers
 * TransferReady; `onSent(bytesSent)` is called after each chunk is handed
 * to the stream.
 */
export async function installStream(
  o: InstallStreamOptions,
  source: ContentSource,
  onSent: (bytesSent: number) => void,
): Promise<InstallStreamResult> {
  const session = new InstallSession(o);
  let done = false;
  try {
    await session.send({ transferRequest: { version: o.version } });
    const first = await session.next('answer to TransferRequest', o.idleTimeoutMs);
    if (first.response === 'validated') {
      checkValidated(o, first);
      done = true;
      return { result: 'already-present', bytesSent: 0 };
    }
    if (first.response === 'installError' && first.installError) {
      throw installErrorFailure(o, o.version, first.installError.type, first.installError.detail);
    }
    if (first.response !== 'transferReady') throw unexpected(o, first, 'to TransferRequest');

    let bytesSent = 0;
    for await (const chunk of source()) {
      const early = session.early();
      if (early?.response === 'installError' && early.installError) {
        throw installErrorFailure(o, o.version, early.installError.type, early.installError.detail);
      }
      if (early) throw unexpected(o, early, 'during the transfer');
      const message = chunk instanceof EncodedTransferContent ? chunk : { transferContent: chunk };
      if (message.transferContent.length === 0) continue;
      await session.send(message);
      bytesSent += message.transferContent.length;
      onSent(bytesSent);
    }
    await session.send({ transferEnd: {} });
    const last = await session.next('Validated after TransferEnd', o.validateTimeoutMs);
    if (last.response === 'installError' && last.installError) {
      throw installErrorFailure(o, o.version, last.installError.type, last.installError.detail);
    }
    if (last.response !== 'validated') throw unexpected(o, last, 'after TransferEnd');
    checkValidated(o, last);
    done = true;
    return { result: 'validated', bytesSent };
  } finally {
    if (done) session.close();
    else session.cancel();
  }
}
