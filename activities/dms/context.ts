/**
 * The Temporal activity context when there is one. The DMS activities also
 * run as plain functions (scripts, tests): then they neither heartbeat nor
 * see cancellation.
 */
import { Context } from '@temporalio/activity';

export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

export interface TransferProgress {
  bytesSent: number;
  bytesTotal: number;
  version: string;
}

/**
 * Heartbeats transfer progress: at the start, at most every `everyMs` while
 * bytes flow, on a timer while waiting (so a slow DMS validation does not
 * trip the heartbeat timeout), and once at the end.
 */
export class ProgressHeartbeat {
  private last = 0;
  private timer?: NodeJS.Timeout;
  private progress: TransferProgress;

  constructor(
    private readonly ctx: Context | undefined,
    private readonly everyMs: number,
    version: string,
    bytesTotal: number,
  ) {
    this.progress = { bytesSent: 0, bytesTotal, version };
    if (!ctx) return;
    this.timer = setInterval(() => this.beat(), Math.max(everyMs, 1000));
    this.timer.unref();
    this.beat();
  }

  update(p: Partial<TransferProgress>, force = false): void {
    this.progress = { ...this.progress, ...p };
    if (force || Date.now() - this.last >= this.everyMs) this.beat();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    if (!this.ctx) return;
    this.last = Date.now();
    this.ctx.heartbeat({ ...this.progress });
  }
}
