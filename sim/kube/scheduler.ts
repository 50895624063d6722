/**
 * The real kube-scheduler for a test cluster (built by scripts/kube-assets.sh
 * from the same k8s.io/kubernetes module as kube-apiserver), with its default
 * plugins: it binds a pod that names no node to a node whose filters pass,
 * among them NodeUnschedulable (a cordoned node's spec.unschedulable) and
 * NodeResourcesFit (requests, extended resources such as a device plugin's
 * `xpuflow.io/<pool>`, against the node's allocatable), and marks one it
 * cannot place `PodScheduled=False/Unschedulable` with its reasons
 * ("0/1 nodes are available: 1 Insufficient xpuflow.io/pool-a.").
 *
 * Backoff is one second (the defaults are 1 s initial, 10 s max:
 * kubernetes/kubernetes v1.36.3, pkg/scheduler/apis/config/v1/defaults.go,
 * SetDefaults_KubeSchedulerConfiguration), so a pod refused before a node
 * changes (uncordoned, more allocatable) is bound within a second or two of
 * the change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { kubeAssets, type KubeCluster } from './apiservers';

export interface RunningScheduler {
  log(): string;
  stop(): Promise<void>;
}

export function startScheduler(cluster: KubeCluster, dir: string): RunningScheduler {
  const config = path.join(dir, `kube-scheduler-${cluster.name}.yaml`);
  fs.writeFileSync(
    config,
    [
      'apiVersion: kubescheduler.config.k8s.io/v1',
      'kind: KubeSchedulerConfiguration',
      'clientConnection:',
      `  kubeconfig: ${cluster.kubeconfigPath}`,
      'leaderElection:',
      '  leaderElect: false',
      'podInitialBackoffSeconds: 1',
      'podMaxBackoffSeconds: 1',
      '',
    ].join('\n'),
  );
  const logPath = path.join(dir, `kube-scheduler-${cluster.name}.log`);
  const log = fs.openSync(logPath, 'a');
  const proc: ChildProcess = spawn(
    path.join(kubeAssets(), 'kube-scheduler'),
    [
      `--config=${config}`,
      // No /healthz or /metrics needed: nothing serves, nothing listens.
      '--secure-port=0',
      '--v=2',
    ],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const readLog = () => {
    try {
      return fs.readFileSync(logPath, 'utf8').slice(-3000);
    } catch (err) {
      return `(no log at ${logPath}: ${String(err)})`;
    }
  };
  return {
    log: readLog,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
