/**
 * The host worker's node discovery (node/discovery): for each host it
 * serves, a scan of that host's sysfs at start and every interval, written
 * to that host's own Node. It needs a Kubernetes cluster (XPUFLOW_KUBECONFIG,
 * KUBECONFIG or the pod's service account); without one it says so once and
 * the worker runs without it, as for hosts driven from the CLI alone.
 */
import type * as k8s from '@kubernetes/client-node';
import { Kube } from '../../platform/kube/client';
import {
  DEFAULT_DISCOVERY_INTERVAL_SECONDS,
  DEFAULT_REMOVE_AFTER_SECONDS,
  startNodeDiscovery,
  type NodeDiscovery,
} from '../../node/discovery/discovery-loop';
import { parseXpuId, xpuIdTable } from '../../node/discovery/pci-ids';

export interface DiscoverySettings {
  /** Seconds between scans; 0 turns discovery off. Default 30. */
  intervalSeconds?: number;
  /** How long a card that vanished keeps its label. Default 300. */
  removeAfterSeconds?: number;
  /** Extra xPU IDs, `VENDOR:DEVICE=MODEL`. */
  xpuIds?: string[];
}

/** `--discovery-interval`'s text as seconds; throws naming it when it is not a number. */
export function parseDiscoveryInterval(text: string | undefined): number | undefined {
  return parseSeconds('--discovery-interval', text, ' (0 turns discovery off)');
}

/** `--discovery-remove-after`'s text as seconds. */
export function parseRemoveAfter(text: string | undefined): number | undefined {
  return parseSeconds('--discovery-remove-after', text, '');
}

function parseSeconds(flag: string, text: string | undefined, hint: string): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`${flag} ${JSON.stringify(text)} is not a number of seconds >= 0${hint}`);
  }
  return seconds;
}

/** Checks the settings up front, so a bad flag stops the worker at start with the value named. */
export function discoveryIntervalMs(s: DiscoverySettings | undefined): number {
  const seconds = s?.intervalSeconds ?? DEFAULT_DISCOVERY_INTERVAL_SECONDS;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new Error(
      `discovery interval ${JSON.stringify(seconds)} is not a number of seconds >= 0 (0 turns discovery off): fix --discovery-interval`,
    );
  }
  return Math.round(seconds * 1000);
}

export function startHostDiscoveries(
  hosts: Array<{ node: string; sysfsRoot: string; discovery?: DiscoverySettings }>,
  /** Asked only when some host has discovery on. */
  kubeConfig: () => k8s.KubeConfig | undefined,
): NodeDiscovery[] {
  const wanted = hosts
    .map((h) => ({ ...h, intervalMs: discoveryIntervalMs(h.discovery) }))
    .filter((h) => h.intervalMs > 0);
  // Bad IDs fail the start, whether or not a cluster is configured.
  const extra = new Map(wanted.map((h) => [h.node, (h.discovery?.xpuIds ?? []).map(parseXpuId)]));
  for (const ids of extra.values()) xpuIdTable(ids);
  if (!wanted.length) return [];
  const kc = kubeConfig();
  if (!kc) {
    console.log(
      'node discovery off: no Kubernetes cluster configured (set XPUFLOW_KUBECONFIG or KUBECONFIG, or run in a pod with a service account)',
    );
    return [];
  }
  const kube = new Kube(kc);
  return wanted.map((h) =>
    startNodeDiscovery({
      kube,
      node: h.node,
      sysfsRoot: h.sysfsRoot,
      intervalMs: h.intervalMs,
      removeAfterMs: Math.round((h.discovery?.removeAfterSeconds ?? DEFAULT_REMOVE_AFTER_SECONDS) * 1000),
      extraIds: extra.get(h.node),
    }),
  );
}
