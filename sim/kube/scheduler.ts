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
import fs from 'node:fs';
import path from 'node:path';
import type { KubeCluster } from './apiservers';
import { startControlPlaneProcess, type ControlPlaneProcess } from './control-plane-process';

export type RunningScheduler = ControlPlaneProcess;

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
  return startControlPlaneProcess(
    'kube-scheduler',
    [
      `--config=${config}`,
      // No /healthz or /metrics needed: nothing serves, nothing listens.
      '--secure-port=0',
      '--v=2',
    ],
    path.join(dir, `kube-scheduler-${cluster.name}.log`),
  );
}
