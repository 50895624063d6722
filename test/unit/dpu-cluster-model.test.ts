/** The DPUCluster's pure rules: spec problems, the kubeconfig Secret, seats under maxNodes, the TenantControlPlane asked for. */
import {
  clusterSeatProblem,
  dpuClusterSpecProblems,
  dpusInCluster,
  kubeconfigSecretOf,
  tenantControlPlaneBody,
} from '../../model/dpu-cluster';
import type { DpuClusterResource, DpuResource } from '../../model/resources/common';

const dc = (maxNodes?: number): DpuClusterResource => ({
  apiVersion: 'provisioning.xpuflow.dev/v1alpha1',
  kind: 'DPUCluster',
  metadata: { name: 'c', namespace: 'ns' },
  spec: { type: 'kamaji', kamaji: { version: 'v1.31.2' }, ...(maxNodes ? { maxNodes } : {}) },
});
const dpu = (name: string, at: string, cluster = 'c', namespace = 'ns'): DpuResource => ({
  apiVersion: 'provisioning.xpuflow.dev/v1alpha1',
  kind: 'DPU',
  metadata: { name, namespace, creationTimestamp: at },
  spec: { nodeName: 'n', pciAddress: '0000:03:00.0', bfb: 'b', cluster: { name: cluster } },
});

test('the spec problems name the field', () => {
  expect(dpuClusterSpecProblems({ type: 'static' })).toEqual([
    expect.stringContaining('spec.kubeconfigSecret'),
  ]);
  expect(dpuClusterSpecProblems({ type: 'kamaji' })).toEqual([
    expect.stringContaining('spec.kamaji.version'),
  ]);
  expect(dpuClusterSpecProblems({ kubeconfigSecret: { name: 's' }, kamaji: { version: 'v1' } })).toEqual([
    expect.stringContaining('spec.kamaji is set but spec.type is static'),
  ]);
  expect(dpuClusterSpecProblems(dc().spec)).toEqual([]);
});

test('a kamaji cluster without kubeconfigSecret writes <name>-kubeconfig, key kubeconfig', () => {
  expect(kubeconfigSecretOf(dc())).toEqual({ name: 'c-kubeconfig', key: 'kubeconfig' });
  expect(
    kubeconfigSecretOf({ metadata: { name: 'c' }, spec: { kubeconfigSecret: { name: 's', key: 'k' } } }),
  ).toEqual({
    name: 's',
    key: 'k',
  });
});

test('seats go in creation order, then by name; other namespaces, clusters and deleting DPUs take none', () => {
  const dpus = [
    dpu('late', '2026-01-03T00:00:00Z'),
    dpu('b', '2026-01-01T00:00:00Z'),
    dpu('a', '2026-01-01T00:00:00Z'),
    dpu('other-cluster', '2025-01-01T00:00:00Z', 'd'),
    dpu('other-ns', '2025-01-01T00:00:00Z', 'c', 'elsewhere'),
  ];
  expect(dpusInCluster(dc(), dpus).map((d) => d.metadata.name)).toEqual(['a', 'b', 'late']);
  expect(clusterSeatProblem(dpus[2], dc(2), dpus)).toBeUndefined();
  expect(clusterSeatProblem(dpus[1], dc(2), dpus)).toBeUndefined();
  expect(clusterSeatProblem(dpus[0], dc(2), dpus)).toBe(
    'DPUCluster ns/c is full: maxNodes is 2 and a, b hold its seats; waiting for one of them to be deleted, or raise spec.maxNodes',
  );
  expect(clusterSeatProblem(dpus[0], dc(), dpus)).toBeUndefined();
  const aDeleting = {
    ...dpus[2],
    metadata: { ...dpus[2].metadata, deletionTimestamp: '2026-01-04T00:00:00Z' },
  };
  expect(clusterSeatProblem(dpus[0], dc(2), [dpus[0], dpus[1], aDeleting])).toBeUndefined();
});

test('the TenantControlPlane: Kamaji field names, the VIP and NodePort in networkProfile only with keepalived', () => {
  const owner = { name: 'c', namespace: 'ns', uid: 'u-1' };
  const plain = tenantControlPlaneBody({ ...owner, spec: dc().spec }, 31000) as {
    spec: Record<string, unknown>;
  };
  expect(plain.spec).toEqual({
    controlPlane: { deployment: { replicas: 1 }, service: { serviceType: 'NodePort' } },
    kubernetes: {
      version: 'v1.31.2',
      kubelet: { cgroupfs: 'systemd', preferredAddressTypes: ['InternalIP', 'Hostname', 'ExternalIP'] },
    },
    addons: { coreDNS: {}, kubeProxy: {} },
  });
  const lb = tenantControlPlaneBody(
    {
      ...owner,
      spec: {
        type: 'kamaji',
        kamaji: {
          version: 'v1.31.2',
          dataStore: 'etcd-1',
          keepalived: { vip: '10.0.0.1', virtualRouterID: 1, interface: 'eth0' },
        },
      },
    },
    31000,
  ) as { spec: Record<string, unknown> };
  expect(lb.spec).toMatchObject({
    dataStore: 'etcd-1',
    networkProfile: { address: '10.0.0.1', port: 31000 },
  });
});
