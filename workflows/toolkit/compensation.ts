/**
 * Undo steps registered as the flow does things; run newest first when a
 * phase fails for good. A step that fails to undo is reported, never hidden.
 */
export interface UndoStep {
  /** Plain words for the status, e.g. "restore sriov_numvfs of 0000:03:00.0 to 0". */
  describe: string;
  run: () => Promise<void>;
}

export class Compensations {
  private steps: UndoStep[] = [];

  /** Registers an undo; undefined (a phase with nothing to undo here) is ignored. */
  add(step: UndoStep | undefined): void {
    if (step) this.steps.push(step);
  }

  /** Runs every step newest first; returns one line per step saying what happened. */
  async runAll(): Promise<string[]> {
    const report: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.run();
        report.push(`${step.describe}: done`);
      } catch (err) {
        report.push(`${step.describe}: FAILED (${(err as Error).message}); undo it by hand`);
      }
    }
    return report;
  }

  /** The flow reached Ready: what it did stays. */
  clear(): void {
    this.steps = [];
  }
}
