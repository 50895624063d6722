/**
 * Simulated DPUs joining their DPU cluster at boot with only what they were
 * handed: the bf.cfg DMS flashed them with (read from the DMS simulator, the
 * version the DPU runs). Like NVIDIA DPF's /opt/dpf/join_k8s_cluster.sh
 * (bf.cfg.template, NVIDIA/doca-platform @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f),
 * a booted DPU runs the kubeadm join command of its bf.cfg until it succeeds,
 * 5 s apart, and joins once per boot of a bf.cfg. kubeadm-join.ts does the join.
 */
import type { DmsSimulator } from '../dms';
import { JoinRefused, kubeadmJoin, type Joined, type KubeadmJoinArgs } from './kubeadm-join';

/** The join of a bf.cfg: `XPUFLOW_KUBEADM_JOIN=('kubeadm' 'join' ...)` and `XPUFLOW_NODE_LABELS='k=v,...'` (activities/bfb/bf-cfg-join.ts writes them). */
export function parseBfCfgJoin(bfCfg: string): KubeadmJoinArgs | undefined {
  const lines = bfCfg.split('\n');
  const joinLine = lines.find((l) => l.startsWith('XPUFLOW_KUBEADM_JOIN=('));
  if (!joinLine) return undefined;
  const words = shellWords(joinLine.slice('XPUFLOW_KUBEADM_JOIN=('.length, joinLine.lastIndexOf(')')));
  if (words[0] !== 'kubeadm' || words[1] !== 'join')
    throw new Error(`bf.cfg join command starts ${JSON.stringify(words.slice(0, 2))}, not kubeadm join`);
  const a: KubeadmJoinArgs = {
    endpoint: words[2],
    token: '',
    caCertHashes: [],
    nodeName: '',
    nodeLabels: {},
  };
  for (let i = 3; i < words.length; i++) {
    const w = words[i];
    if (w === '--token') a.token = words[++i];
    else if (w === '--discovery-token-ca-cert-hash') a.caCertHashes.push(words[++i]);
    else if (w === '--node-name') a.nodeName = words[++i];
    else if (!w.startsWith('--v=')) throw new Error(`kubeadm join: unknown argument ${JSON.stringify(w)}`);
  }
  const labelLine = lines.find((l) => l.startsWith('XPUFLOW_NODE_LABELS='));
  const labels = labelLine ? (shellWords(labelLine.slice('XPUFLOW_NODE_LABELS='.length))[0] ?? '') : '';
  for (const kv of labels.split(',').filter((x) => x !== '')) {
    const eq = kv.indexOf('=');
    a.nodeLabels[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return a;
}

/** Single-quoted shell words (`'…'` with `'\''` for a quote), as shell-quote.ts writes them. */
function shellWords(text: string): string[] {
  return [...text.matchAll(/'((?:[^']|'\\'')*)'/g)].map((m) => m[1].replace(/'\\''/g, "'"));
}

export type DpuJoinState =
  | { state: 'joined'; cfg: string; node: string; joined: Joined }
  | {
      state: 'refused';
      cfg: string;
      node: string;
      step: JoinRefused['step'];
      status?: number;
      reason: string;
      attempts: number;
    };

/** Every refused join attempt so far, by step: how many, and the last reason given. */
export type JoinRefusals = Map<JoinRefused['step'], { count: number; lastReason: string }>;

export interface PlayedDpuJoins {
  /** The last outcome per DMS address. */
  readonly outcomes: Map<string, DpuJoinState>;
  readonly refusals: JoinRefusals;
  stop(): void;
}

/**
 * Watches the DPUs behind `sims()` (read at each tick, so DPUs added later
 * join too): a DPU up (no reboot in progress) running a bf.cfg with a join
 * command joins; a refused join is tried again every `retryMs`.
 */
export function playDpuJoins(
  sims: () => DmsSimulator[],
  opts: { everyMs?: number; retryMs?: number } = {},
): PlayedDpuJoins {
  const outcomes = new Map<string, DpuJoinState>();
  const refusals: JoinRefusals = new Map();
  const nextTry = new Map<string, number>();
  /** The boot a join belongs to: DMS reboots counted, and the cfg booted. */
  const bootOf = new Map<string, string>();
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await Promise.all(sims().map((sim) => step(sim)));
    } finally {
      busy = false;
    }
  };
  const step = async (sim: DmsSimulator) => {
    const st = await sim.state();
    if (st.rebootActive || !st.runningCfg) return;
    const boot = `${st.counters.reboots}/${st.runningCfg}`;
    const last = outcomes.get(sim.address);
    if (bootOf.get(sim.address) === boot && last?.state === 'joined') return;
    if (bootOf.get(sim.address) !== boot) nextTry.delete(sim.address);
    if ((nextTry.get(sim.address) ?? 0) > Date.now()) return;
    bootOf.set(sim.address, boot);
    const content = st.stagedImages.find((i) => i.version === st.runningCfg)?.content;
    const args = content === undefined ? undefined : parseBfCfgJoin(content);
    if (!args) return; // a bf.cfg without a join: the DPU joins nothing
    try {
      const joined = await kubeadmJoin(args);
      outcomes.set(sim.address, { state: 'joined', cfg: st.runningCfg, node: args.nodeName, joined });
    } catch (err) {
      const attempts = last?.state === 'refused' && last.cfg === st.runningCfg ? last.attempts + 1 : 1;
      const step = err instanceof JoinRefused ? err.step : 'discovery';
      const reason = err instanceof Error ? err.message : String(err);
      outcomes.set(sim.address, {
        state: 'refused',
        cfg: st.runningCfg,
        node: args.nodeName,
        step,
        status: err instanceof JoinRefused ? err.status : undefined,
        reason,
        attempts,
      });
      refusals.set(step, { count: (refusals.get(step)?.count ?? 0) + 1, lastReason: reason });
      nextTry.set(sim.address, Date.now() + (opts.retryMs ?? 5000));
    }
  };
  const timer = setInterval(() => {
    tick().catch((err: unknown) => {
      // A DMS simulator stopped at the end of a run: say so once, keep going for the others.
      if (!stopped) console.warn(`simulated DPU joins: ${String(err)}`);
    });
  }, opts.everyMs ?? 300);
  let stopped = false;
  return {
    outcomes,
    refusals,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
