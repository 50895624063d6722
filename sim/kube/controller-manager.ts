/**
 * The real kube-controller-manager for a test cluster, running only the
 * controllers a kubeadm join relies on (kubeadm init enables the two
 * bootstrap ones with `--controllers=*,bootstrapsigner,tokencleaner`:
 * kubernetes/kubernetes v1.36.3, cmd/kubeadm/app/phases/controlplane/manifests.go
 * getControllerManagerCommand):
 * - csrapproving (pkg/controller/certificates/approver/sarapprove.go): approves
 *   a kubelet client CSR when a SubjectAccessReview says its requester may
 *   create `certificatesigningrequests/nodeclient` (the RBAC kubeadm binds to
 *   the bootstrap token group, kubeadm-bootstrap.ts);
 * - csrsigning (pkg/controller/certificates/signer/): signs approved
 *   `kubernetes.io/kube-apiserver-client-kubelet` CSRs with the cluster CA;
 * - bootstrapsigner: signs the cluster-info ConfigMap with each token (the
 *   JWS kubeadm's token discovery checks);
 * - tokencleaner: deletes expired bootstrap token Secrets.
 * The binary comes from scripts/kube-assets.sh, built from the same
 * k8s.io/kubernetes module as kube-apiserver.
 *
 * `controllers` replaces that list where a test needs others, e.g.
 * `disruption-controller` (pkg/controller/disruption/disruption.go), which
 * keeps a PodDisruptionBudget's status.disruptionsAllowed that the eviction
 * API checks (cmd/kube-controller-manager/names/controller_names.go names them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { kubeAssets, type KubeCluster } from './apiservers';

export interface RunningControllerManager {
  log(): string;
  stop(): Promise<void>;
}

/** v1.36 names of csrapproving, csrsigning, bootstrapsigner and tokencleaner. */
const JOIN_CONTROLLERS = [
  'certificatesigningrequest-approving-controller',
  'certificatesigningrequest-signing-controller',
  'bootstrap-signer-controller',
  'token-cleaner-controller',
];

export function startControllerManager(
  cluster: KubeCluster,
  dir: string,
  controllers: string[] = JOIN_CONTROLLERS,
): RunningControllerManager {
  const logPath = path.join(dir, `kube-controller-manager-${cluster.name}.log`);
  const log = fs.openSync(logPath, 'a');
  const proc: ChildProcess = spawn(
    path.join(kubeAssets(), 'kube-controller-manager'),
    [
      `--kubeconfig=${cluster.kubeconfigPath}`,
      `--controllers=${controllers.join(',')}`,
      `--cluster-signing-cert-file=${cluster.clientCa.certPath}`,
      `--cluster-signing-key-file=${cluster.clientCa.keyPath}`,
      '--leader-elect=false',
      '--use-service-account-credentials=false',
      // No /healthz or /metrics needed: nothing serves, nothing listens.
      '--secure-port=0',
      '--v=1',
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
