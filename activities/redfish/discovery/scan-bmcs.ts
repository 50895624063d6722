/**
 * The scan of one DPUDiscovery: every address and port of its range probed
 * with at most `workers` probes in flight, progress heartbeated (scanned,
 * total, found) so the Temporal UI and a worker that dies both show where it
 * was. The BMC credentials are read from the Secret here, inside the
 * activity, so they never enter workflow history.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Kube } from '../../../platform/kube/client';
import {
  scanAddresses,
  scanPorts,
  type DpuDiscoveryInput,
  type FoundBmc,
  type ScanProgress,
  type ScanResult,
} from '../../../model/dpu-discovery-api';
import { probeBmc } from './probe-bmc';

/** How long one probe may take, by default (a BMC on a management network answers well within it). */
const DEFAULT_PROBE_TIMEOUT_MS = 5000;
/** At most one heartbeat per this many milliseconds (a scan of 4096 addresses would otherwise send thousands). */
const HEARTBEAT_EVERY_MS = 1000;

export async function readBmcCredentials(
  kube: Kube,
  input: Pick<DpuDiscoveryInput, 'discovery' | 'bmcCredentialsSecret'>,
): Promise<{ username: string; password: string }> {
  const { name, usernameKey, passwordKey } = input.bmcCredentialsSecret;
  const ns = input.discovery.namespace;
  const secret = await kube.getSecret(ns, name);
  const read = (key: string) => {
    const v = secret?.data?.[key];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  };
  const username = read(usernameKey);
  const password = read(passwordKey);
  if (username === undefined || password === undefined) {
    const missing = !secret
      ? 'does not exist'
      : `has no key ${JSON.stringify(username === undefined ? usernameKey : passwordKey)}`;
    throw ApplicationFailure.nonRetryable(
      `Secret ${ns}/${name} ${missing}: DPUDiscovery ${input.discovery.name} reads the BMCs' user name and password from it (spec.bmcCredentialsSecret)`,
      'BmcCredentialsMissing',
    );
  }
  return { username, password };
}

/** Runs `job` over `items` with at most `limit` at once; `done` after each. */
export async function boundedEach<T>(
  items: T[],
  limit: number,
  job: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await job(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

export function scanActivities(kube: () => Kube) {
  return {
    /** Probes every address and port of the discovery's range; the BlueField BMCs it found, and what it skipped. */
    async scanBmcs(input: DpuDiscoveryInput): Promise<ScanResult> {
      const cred = await readBmcCredentials(kube(), input);
      let addresses: string[];
      try {
        addresses = scanAddresses(input.ipRangeSpec);
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `DPUDiscovery ${input.discovery.namespace}/${input.discovery.name}: ${(err as Error).message}`,
          'BadScanRange',
        );
      }
      const targets = addresses.flatMap((address) =>
        scanPorts(input.ipRangeSpec).map((port) => ({ address, port })),
      );
      const found: FoundBmc[] = [];
      const skipped: string[] = [];
      const unusable: string[] = [];
      const progress: ScanProgress = { scanned: 0, total: targets.length, found: 0 };
      let lastBeat = 0;
      const beat = (force = false) => {
        if (!force && Date.now() - lastBeat < HEARTBEAT_EVERY_MS) return;
        lastBeat = Date.now();
        Context.current().heartbeat(progress);
      };
      beat(true);
      const signal = Context.current().cancellationSignal;
      await boundedEach(targets, input.workers, async ({ address, port }) => {
        if (signal.aborted) return;
        const outcome = await probeBmc({
          address,
          port,
          ...cred,
          timeoutMs: input.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
        }).catch((err: unknown) => ({
          kind: 'skipped' as const,
          why: `${address}:${port}: ${(err as Error).message}`,
        }));
        if (outcome.kind === 'found') found.push(outcome.bmc);
        if (outcome.kind === 'skipped') skipped.push(outcome.why);
        if (outcome.kind === 'unusable') unusable.push(outcome.why);
        progress.scanned++;
        progress.found = found.length;
        beat();
      });
      if (signal.aborted) throw ApplicationFailure.create({ message: 'scan cancelled', type: 'Cancelled' });
      beat(true);
      found.sort((a, b) => a.serialNumber.localeCompare(b.serialNumber));
      return {
        scanned: progress.scanned,
        found,
        skipped: skipped.slice(0, 50),
        unusable: unusable.sort().slice(0, 50),
      };
    },
  };
}
