/**
 * A bound on the BFB transfers one control worker runs at once, so a fleet
 * rollout does not stampede the worker's memory, the network or DMS (as
 * Metal3's PROVISIONING_LIMIT bounds concurrent provisioning). An activity
 * waiting for a slot heartbeats, so it is not taken for dead.
 */
import { asyncLocalStorage } from '@temporalio/activity';

export class TransferSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`transfer slots ${size} must be a whole number of 1 or more`);
    this.free = size;
  }

  get inUse(): number {
    return this.size - this.free;
  }

  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    await this.acquire(what);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private async acquire(what: string): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    const ctx = asyncLocalStorage.getStore();
    const beat = setInterval(
      () => ctx?.heartbeat({ phase: 'waiting-for-transfer-slot', what, slots: this.size }),
      1000,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const grant = () => resolve();
        this.waiting.push(grant);
        ctx?.cancellationSignal.addEventListener('abort', () => {
          const i = this.waiting.indexOf(grant);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(ctx.cancellationSignal.reason);
        });
      });
    } finally {
      clearInterval(beat);
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else this.free += 1;
  }
}
