/**
 * What `kubeadm init` sets up in a cluster so nodes can join with a bootstrap
 * token, made in a test cluster (kubernetes/kubernetes v1.36.3, the version
 * scripts/kube-assets.sh builds):
 * - cmd/kubeadm/app/phases/bootstraptoken/node/tlsbootstrap.go: the
 *   default-node-token group may post CSRs (system:node-bootstrapper), get
 *   nodes (kubeadm:get-nodes), and its node-client CSRs are auto-approved
 *   (system:certificates.k8s.io:certificatesigningrequests:nodeclient); nodes
 *   may renew their own (…:selfnodeclient);
 * - cmd/kubeadm/app/phases/bootstraptoken/clusterinfo/clusterinfo.go: the
 *   `cluster-info` ConfigMap in kube-public (the cluster's server and CA, the
 *   bootstrapsigner controller adds a JWS per token) readable by
 *   system:anonymous;
 * - cmd/kubeadm/app/phases/uploadconfig/uploadconfig.go and
 *   cmd/kubeadm/app/phases/kubelet/config.go: the kubeadm-config and
 *   kubelet-config ConfigMaps in kube-system, readable by the bootstrap group
 *   and system:nodes (kubeadm join reads both).
 */
import * as k8s from '@kubernetes/client-node';
import type { KubeCluster } from './apiservers';

const BOOTSTRAP_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
const NODES_GROUP = 'system:nodes';
const RBAC = 'rbac.authorization.k8s.io';

const group = (name: string): k8s.RbacV1Subject => ({ kind: 'Group', name, apiGroup: RBAC });

/** The cluster-info kubeconfig: only the server and the CA, as kubeadm writes it. */
export function clusterInfoKubeconfig(cluster: KubeCluster): string {
  const caData = cluster.kc.getCurrentCluster()?.caData ?? '';
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${caData}`,
    `    server: ${cluster.url}`,
    '  name: ""',
    'contexts: null',
    'current-context: ""',
    'kind: Config',
    'preferences: {}',
    'users: null',
    '',
  ].join('\n');
}

export async function setUpKubeadmBootstrap(cluster: KubeCluster): Promise<void> {
  const rbac = cluster.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const core = cluster.kc.makeApiClient(k8s.CoreV1Api);
  const binding = (name: string, clusterRole: string, subjects: k8s.RbacV1Subject[]) =>
    rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: clusterRole },
        subjects,
      },
    });
  const readOne = async (
    namespace: string,
    name: string,
    configMap: string,
    subjects: k8s.RbacV1Subject[],
  ) => {
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name },
        rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: [configMap] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: { metadata: { name }, roleRef: { apiGroup: RBAC, kind: 'Role', name }, subjects },
    });
  };

  await binding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group(BOOTSTRAP_GROUP)]);
  await rbac.createClusterRole({
    body: {
      metadata: { name: 'kubeadm:get-nodes' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }],
    },
  });
  await binding('kubeadm:get-nodes', 'kubeadm:get-nodes', [group(BOOTSTRAP_GROUP)]);
  await binding(
    'kubeadm:node-autoapprove-bootstrap',
    'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    [group(BOOTSTRAP_GROUP)],
  );
  await binding(
    'kubeadm:node-autoapprove-certificate-rotation',
    'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    [group(NODES_GROUP)],
  );

  await core.createNamespacedConfigMap({
    namespace: 'kube-public',
    body: { metadata: { name: 'cluster-info' }, data: { kubeconfig: clusterInfoKubeconfig(cluster) } },
  });
  await readOne('kube-public', 'kubeadm:bootstrap-signer-clusterinfo', 'cluster-info', [
    { kind: 'User', name: 'system:anonymous', apiGroup: RBAC },
  ]);

  await core.createNamespacedConfigMap({
    namespace: 'kube-system',
    body: {
      metadata: { name: 'kubeadm-config' },
      data: {
        ClusterConfiguration: [
          'apiVersion: kubeadm.k8s.io/v1beta4',
          'kind: ClusterConfiguration',
          `controlPlaneEndpoint: ${new URL(cluster.url).host}`,
          'kubernetesVersion: v1.36.3',
          '',
        ].join('\n'),
      },
    },
  });
  await readOne('kube-system', 'kubeadm:nodes-kubeadm-config', 'kubeadm-config', [
    group(BOOTSTRAP_GROUP),
    group(NODES_GROUP),
  ]);
  await core.createNamespacedConfigMap({
    namespace: 'kube-system',
    body: {
      metadata: { name: 'kubelet-config' },
      data: {
        kubelet: [
          'apiVersion: kubelet.config.k8s.io/v1beta1',
          'kind: KubeletConfiguration',
          'authentication:',
          '  x509:',
          '    clientCAFile: /etc/kubernetes/pki/ca.crt',
          '',
        ].join('\n'),
      },
    },
  });
  await readOne('kube-system', 'kubeadm:kubelet-config', 'kubelet-config', [
    group(NODES_GROUP),
    group(BOOTSTRAP_GROUP),
  ]);
}
