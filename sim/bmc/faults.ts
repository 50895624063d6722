/**
 * Faults a test injects into the BMC simulator. Each one models what a
 * BlueField BMC does in that case; the comments say where that comes from.
 */

/** What the next update task should run into. */
export type UpdateFault =
  /** The BMC cannot fetch ImageURI: the task ends in Exception (Update.1.0.TransferFailed). */
  | 'image-fetch-fails'
  /** The BMC fetched the image but the DPU refuses it: the task ends in Exception (Update.1.0.VerificationFailed). */
  | 'bfb-rejected'
  /** The rshim transfer fails midway: the task ends in Exception (Base.1.x.InternalError in its Messages). */
  | 'task-exception'
  /** The BMC itself reboots midway through the task (see BmcFaults.rebootSeconds). */
  | 'bmc-reboots';

export class BmcFaults {
  /** Every request that needs authentication gets 401 (as with wrong credentials), logins too. */
  unauthorized = false;
  /** How long a BMC reboot (fault 'bmc-reboots' or rebootNow) refuses connections. */
  rebootSeconds = 1;
  private unavailable = 0;
  private retryAfter = 1;
  private updateFaults: UpdateFault[] = [];

  /** The next `n` requests (any resource, any method) get 503 with Retry-After: `retryAfterSeconds`. */
  unavailableFor(n: number, retryAfterSeconds = 1): void {
    if (!Number.isInteger(n) || n < 0) throw new Error(`unavailableFor(${n}): want a count >= 0`);
    this.unavailable = n;
    this.retryAfter = retryAfterSeconds;
  }

  /** The next update task (one per call, in order) runs into `fault`. */
  failNextUpdate(fault: UpdateFault): void {
    this.updateFaults.push(fault);
  }

  /** Clears every fault. */
  clear(): void {
    this.unauthorized = false;
    this.unavailable = 0;
    this.updateFaults = [];
  }

  /** @internal the Retry-After seconds when this request is to be answered 503, else undefined. */
  takeUnavailable(): number | undefined {
    if (this.unavailable <= 0) return undefined;
    this.unavailable--;
    return this.retryAfter;
  }

  /** @internal the fault for the update task starting now, if one is queued. */
  takeUpdateFault(): UpdateFault | undefined {
    return this.updateFaults.shift();
  }
}
