/**
 * Leader election through a coordination.k8s.io/v1 Lease, with client-go's
 * semantics (kubernetes/kubernetes
 * staging/src/k8s.io/client-go/tools/leaderelection/leaderelection.go
 * @0138c8288042f10a191f349be6178aa9f64fb294 and resourcelock/leaselock.go
 * @04791b4906602ffda5ccf9bc4c84d3329f1d7080: Get, Create, and Update as a
 * replace of the Lease last read), as controller-runtime uses it:
 *
 *   acquire  every retryPeriod (jittered): read the Lease; take it when it has
 *            no holder, or when it is expired by this process's own clock:
 *            the time we last saw its record change + leaseDurationSeconds
 *            (observedTime, never the remote renewTime against the local
 *            clock, so clock skew between replicas does not matter).
 *            Taking it bumps leaseTransitions and sets acquireTime.
 *   renew    every retryPeriod; an attempt that fails is retried every
 *            retryPeriod until renewDeadline has passed since the round
 *            began: then leadership is lost (onStoppedLeading; the controller
 *            process exits, as controller-runtime does by default).
 *   write    a replace carrying the read resourceVersion: another writer in
 *            between gets 409 Conflict, and that attempt counts as failed
 *            (the next one reads again).
 *   release  on a graceful stop, once the controllers have stopped: holder
 *            emptied and leaseDurationSeconds 1, so a standby takes over at
 *            once (client-go's ReleaseOnCancel, controller-runtime's
 *            LeaderElectionReleaseOnCancel).
 *
 * Defaults are controller-runtime's: lease 15 s, renew deadline 10 s, retry 2 s.
 */
import * as os from 'node:os';
import { randomUUID } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { apiMessage, isConflict, isNotFound } from '../platform/kube/client';

export const LEADER_ELECTION_DEFAULTS = {
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
} as const;

/** client-go's JitterFactor for the acquire loop. */
const JITTER_FACTOR = 1.2;

export interface LeaderElectionConfig {
  kc: k8s.KubeConfig;
  /** Namespace and name of the Lease. */
  namespace: string;
  name: string;
  /** Unique per process (default `<hostname>_<uuid>`, as controller-runtime makes it). */
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  log: (line: string) => void;
}

/** The part of a Lease's spec an elector compares and writes (client-go's LeaderElectionRecord). */
interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

/** Checks the timings as client-go's NewLeaderElector does; the message names the wrong value. */
export function checkLeaderElectionTimings(t: {
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}): string | undefined {
  const { leaseDurationSeconds: lease, renewDeadlineSeconds: renew, retryPeriodSeconds: retry } = t;
  for (const [name, v] of Object.entries({
    leaseDurationSeconds: lease,
    renewDeadlineSeconds: renew,
    retryPeriodSeconds: retry,
  }))
    if (!Number.isFinite(v) || v <= 0) return `${name} ${v} must be a positive number of seconds`;
  if (!Number.isInteger(lease)) return `leaseDurationSeconds ${lease} must be a whole number of seconds`;
  if (lease <= renew)
    return `leaseDurationSeconds ${lease} must be greater than renewDeadlineSeconds ${renew}: raise the lease duration or lower the renew deadline`;
  if (renew <= JITTER_FACTOR * retry)
    return `renewDeadlineSeconds ${renew} must be greater than ${JITTER_FACTOR} × retryPeriodSeconds ${retry}`;
  return undefined;
}

export class LeaderElector {
  readonly identity: string;
  private readonly api: k8s.CoordinationV1Api;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  /** The record last seen, the Lease it came in (for its resourceVersion) and when it was seen, by our clock. */
  private observed?: { record: LeaseRecord; lease: k8s.V1Lease; at: number };
  private stopped = false;
  private wake?: () => void;

  constructor(private readonly cfg: LeaderElectionConfig) {
    const timings = {
      leaseDurationSeconds: cfg.leaseDurationSeconds ?? LEADER_ELECTION_DEFAULTS.leaseDurationSeconds,
      renewDeadlineSeconds: cfg.renewDeadlineSeconds ?? LEADER_ELECTION_DEFAULTS.renewDeadlineSeconds,
      retryPeriodSeconds: cfg.retryPeriodSeconds ?? LEADER_ELECTION_DEFAULTS.retryPeriodSeconds,
    };
    const bad = checkLeaderElectionTimings(timings);
    if (bad) throw new Error(`leader election: ${bad}`);
    this.leaseMs = timings.leaseDurationSeconds * 1000;
    this.renewDeadlineMs = timings.renewDeadlineSeconds * 1000;
    this.retryMs = timings.retryPeriodSeconds * 1000;
    this.identity = cfg.identity ?? `${os.hostname()}_${randomUUID()}`;
    this.api = cfg.kc.makeApiClient(k8s.CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.observed?.record.holderIdentity === this.identity;
  }

  /** The Lease's renewTime as this process last read or wrote it (ms since the epoch); undefined before a read. */
  get observedRenewTime(): number | undefined {
    const t = this.observed?.record.renewTime;
    return t === undefined ? undefined : Date.parse(t);
  }

  /** namespace/name of the Lease. */
  get lease(): string {
    return `${this.cfg.namespace}/${this.cfg.name}`;
  }

  private describe(): string {
    return `Lease ${this.cfg.namespace}/${this.cfg.name}`;
  }

  /** Resolves once this process holds the Lease; false when stop() came first. */
  async acquire(): Promise<boolean> {
    this.cfg.log(`leader election: ${this.identity} is trying to acquire ${this.describe()}`);
    let reportedHolder: string | undefined;
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) {
        this.cfg.log(`leader election: ${this.identity} acquired ${this.describe()}`);
        return true;
      }
      const holder = this.observed?.record.holderIdentity;
      if (holder && holder !== reportedHolder) {
        reportedHolder = holder;
        this.cfg.log(`leader election: ${this.describe()} is held by ${holder}; waiting`);
      }
      await this.sleep(this.retryMs * (1 + Math.random() * JITTER_FACTOR));
    }
    return false;
  }

  /**
   * Renews until renewal fails for renewDeadline or stop() is called.
   * Resolves with why leadership ended: 'lost' or 'stopped'.
   */
  async renewUntilLost(): Promise<'lost' | 'stopped'> {
    while (!this.stopped) {
      const roundEnds = Date.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!this.stopped && !renewed) {
        const left = roundEnds - Date.now();
        if (left <= 0) break;
        renewed = await withDeadline(this.tryAcquireOrRenew(), left).catch((err: Error) => {
          this.cfg.log(`leader election: renewing ${this.describe()} failed: ${err.message}`);
          return false;
        });
        if (!renewed && Date.now() + this.retryMs < roundEnds) await this.sleep(this.retryMs);
        else if (!renewed) break;
      }
      if (this.stopped) return 'stopped';
      if (!renewed) {
        this.cfg.log(
          `leader election: ${this.identity} could not renew ${this.describe()} for ${this.renewDeadlineMs / 1000} s (renew deadline): leadership lost`,
        );
        return 'lost';
      }
      await this.sleep(this.retryMs);
    }
    return 'stopped';
  }

  /** Ends the acquire or renew loop at its next step. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /**
   * Gives the Lease up if this process holds it: no holder, leaseDurationSeconds 1
   * (client-go's release()). Call it only once the controllers have stopped.
   */
  async release(): Promise<void> {
    if (!this.isLeader || !this.observed) return;
    const now = new Date().toISOString();
    const record: LeaseRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: this.observed.record.leaseTransitions,
    };
    try {
      await this.write(this.observed.lease, record);
      this.cfg.log(`leader election: ${this.identity} released ${this.describe()}`);
    } catch (err) {
      // The Lease then expires by itself after leaseDurationSeconds; a standby waits that long.
      this.cfg.log(
        `leader election: releasing ${this.describe()} failed (${apiMessage(err)}); a standby takes over once it expires`,
      );
    }
  }

  /** client-go's tryAcquireOrRenew: true when this process holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const mine: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseMs / 1000,
      acquireTime: new Date(now).toISOString(),
      renewTime: new Date(now).toISOString(),
      leaseTransitions: 0,
    };
    // 1. Fast path: the leader writes over the Lease it saw last.
    if (this.isLeader && this.observed && this.leaseValid(now)) {
      const { record, lease } = this.observed;
      try {
        await this.write(lease, {
          ...mine,
          acquireTime: record.acquireTime,
          leaseTransitions: record.leaseTransitions,
        });
        return true;
      } catch (err) {
        this.cfg.log(
          `leader election: renewing ${this.describe()} over the last seen version failed (${apiMessage(err)}); reading it again`,
        );
      }
    }
    // 2. Read the Lease, or create it.
    let lease: k8s.V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name: this.cfg.name, namespace: this.cfg.namespace });
    } catch (err) {
      if (!isNotFound(err)) {
        this.cfg.log(`leader election: cannot read ${this.describe()}: ${apiMessage(err)}`);
        return false;
      }
      try {
        const created = await this.api.createNamespacedLease({
          namespace: this.cfg.namespace,
          body: { metadata: { name: this.cfg.name, namespace: this.cfg.namespace }, spec: toSpec(mine) },
        });
        this.observe(created, Date.now());
        return true;
      } catch (createErr) {
        // 409: another replica created it first; the next attempt reads it.
        if (!isConflict(createErr))
          this.cfg.log(`leader election: cannot create ${this.describe()}: ${apiMessage(createErr)}`);
        return false;
      }
    }
    // 3. A changed record restarts the expiry clock: observedTime is when we saw it change.
    const seen = fromSpec(lease.spec);
    if (!this.observed || JSON.stringify(this.observed.record) !== JSON.stringify(seen)) {
      this.observe(lease, now);
    } else {
      this.observed.lease = lease;
    }
    if (seen.holderIdentity && this.leaseValid(now) && !this.isLeader) return false;
    // 4. Take it (or renew it on the slow path).
    const next: LeaseRecord = this.isLeader
      ? { ...mine, acquireTime: seen.acquireTime, leaseTransitions: seen.leaseTransitions }
      : { ...mine, leaseTransitions: seen.leaseTransitions + 1 };
    try {
      await this.write(lease, next);
      return true;
    } catch (err) {
      // 409: someone else wrote in between (perhaps took it); the next attempt reads it again.
      if (!isConflict(err))
        this.cfg.log(`leader election: cannot update ${this.describe()}: ${apiMessage(err)}`);
      return false;
    }
  }

  /** Replaces the Lease, carrying its resourceVersion (409 when it changed), and observes what was written. */
  private async write(lease: k8s.V1Lease, record: LeaseRecord): Promise<void> {
    const written = await this.api.replaceNamespacedLease({
      name: this.cfg.name,
      namespace: this.cfg.namespace,
      body: { ...lease, spec: toSpec(record) },
    });
    this.observe(written, Date.now());
  }

  private observe(lease: k8s.V1Lease, at: number): void {
    this.observed = { record: fromSpec(lease.spec), lease, at };
  }

  /** Valid by our own clock: seen at `observed.at`, for its leaseDurationSeconds. */
  private leaseValid(now: number): boolean {
    const o = this.observed;
    return !!o && o.at + o.record.leaseDurationSeconds * 1000 > now;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function toSpec(r: LeaseRecord): k8s.V1LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    leaseTransitions: r.leaseTransitions,
    // MicroTime: the API server parses exactly six fractional digits (RFC3339Micro), as V1MicroTime writes them.
    ...(r.acquireTime ? { acquireTime: new k8s.V1MicroTime(r.acquireTime) } : {}),
    ...(r.renewTime ? { renewTime: new k8s.V1MicroTime(r.renewTime) } : {}),
  };
}

function fromSpec(s: k8s.V1LeaseSpec | undefined): LeaseRecord {
  const iso = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
  return {
    holderIdentity: s?.holderIdentity ?? '',
    leaseDurationSeconds: s?.leaseDurationSeconds ?? 0,
    acquireTime: iso(s?.acquireTime),
    renewTime: iso(s?.renewTime),
    leaseTransitions: s?.leaseTransitions ?? 0,
  };
}

/** `p`, or a rejection once `ms` have passed (an API call that hangs must not outlast the renew deadline). */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms)} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
