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
import path from 'node:path';
import type { KubeCluster } from './apiservers';
import { startControlPlaneProcess, type ControlPlaneProcess } from './control-plane-process';

export type RunningControllerManager = ControlPlaneProcess;

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
  return startControlPlaneProcess(
    'kube-controller-manager',
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
    path.join(dir, `kube-controller-manager-${cluster.name}.log`),
  );
}
