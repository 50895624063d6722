/**
 * A keyed work queue as controllers use it: a key queued twice is reconciled
 * once, keys are reconciled one at a time, and a failed reconcile is retried
 * with backoff (1 s doubling to 30 s) without blocking other keys.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private stopped = false;
  /** Keys wait until start(): reconciling before every informer has synced would act on a partial cache. */
  private started = false;

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    void this.drain();
  }

  start(): void {
    this.started = true;
    void this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }

  private async drain(): Promise<void> {
    if (this.running || !this.started) return;
    this.running = true;
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const key = this.pending.values().next().value as string;
        this.pending.delete(key);
        try {
          await this.reconcile(key);
          this.failures.delete(key);
        } catch (err) {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          this.onError(key, err);
          setTimeout(() => this.add(key), Math.min(30_000, 1000 * 2 ** (n - 1))).unref();
        }
      }
    } finally {
      this.running = false;
    }
  }
}
