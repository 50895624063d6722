/**
 * What the CNI commands share: the handler's options, the attach records
 * ADD keeps for DEL and CHECK (one per VF, under the state folder). IP
 * addresses are not kept here: xpuflow-cni delegates them to an IPAM plugin.
 */
import type { Client } from '@temporalio/client';
import { AttachRecords } from '../../activities/netdev';
import type { PoolConfig } from '../deviceplugin/pool';

export interface CniHandlerOptions {
  client: Client;
  node: string;
  sysfsRoot: string;
  stateDir: string;
  pools: PoolConfig[];
  /** Lease attach timeout passed to new leases (default: the workflow's). */
  attachTimeoutMs?: number;
  /** Where what a command tolerates but must not hide is written (default: stderr). */
  log?: (line: string) => void;
}

export interface CniState {
  opts: CniHandlerOptions;
  /** What each ADD did, so DEL can undo it even when the lease is gone. */
  records: AttachRecords;
}

export function openCniState(opts: CniHandlerOptions): CniState {
  return { opts, records: new AttachRecords(`${opts.stateDir}/attach`) };
}

/** The failure's innermost message (an update's cause is an activity's cause is the application failure). */
export function rootMessage(err: unknown): string {
  let e = err as Error & { cause?: unknown };
  while (e?.cause instanceof Error) e = e.cause as Error & { cause?: unknown };
  return e?.message ?? String(err);
}
