/**
 * One `xpuflow doctor` check: what it looks at, which checks must pass before
 * it (`needs`), and what it finds. A check that finds a problem throws a
 * `Problem`: what is wrong, naming the value, and what to do about it.
 */
import type { Client } from '@temporalio/client';
import type * as k8s from '@kubernetes/client-node';

export class Problem extends Error {
  override name = 'Problem';
  constructor(
    message: string,
    /** What the operator does about it. */
    readonly fix: string,
  ) {
    super(message);
  }
}

/** What the checks hand on to the ones after them. */
export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  /** Per check, in milliseconds. */
  timeoutMs: number;
  /** The namespace the controllers watch: their Secrets' rights are checked there. */
  watchNamespace?: string;
  /** The namespace of the controllers' leader-election Lease. */
  leaseNamespace?: string;
  /** Set by the temporal check. */
  client?: Client;
  /** Whether the connection carries an API key (TEMPORAL_API_KEY or the profile's api_key). */
  apiKeySet?: boolean;
  /** Set by the namespace check when the namespace answers: checks that may go without Temporal sample it then. */
  namespaceReady?: boolean;
  /** Set by the kubernetes check. */
  kc?: k8s.KubeConfig;
}

export interface Check {
  name: string;
  /** Checks that must have passed first; otherwise this one is skipped, naming the first that failed. */
  needs: string[];
  /** What to do when the check does not finish in time. */
  timeoutFix: string;
  /** Returns what it saw (one line); throws a Problem when something is wrong. */
  run(ctx: DoctorContext, signal: AbortSignal): Promise<string>;
}

export type Status = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  check: string;
  status: Status;
  /** What was seen, or what is wrong, or why the check was skipped. */
  message: string;
  /** What to do (failures only). */
  fix?: string;
  /** How long the check took. */
  ms: number;
}
