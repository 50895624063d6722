/**
 * Two of everything in the chart: two controller replicas that elect a leader
 * through a Lease they may read, create and renew, and two control workers.
 */
import { renderChart, type K8sObject } from './helm';

type Container = { name: string; env?: Array<{ name: string; value?: string }> };
const deployment = (objs: K8sObject[], suffix: string) =>
  objs.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith(suffix)) as K8sObject & {
    spec: { replicas: number; template: { spec: { containers: Container[] } } };
  };

test('by default two controllers with leader election (controller-runtime timings) and two control workers', () => {
  const objs = renderChart();
  const controller = deployment(objs, '-controller');
  expect(controller.spec.replicas).toBe(2);
  expect(deployment(objs, '-control-worker').spec.replicas).toBe(2);
  const env = Object.fromEntries(
    controller.spec.template.spec.containers[0].env!.map((e) => [e.name, e.value]),
  );
  expect(env).toMatchObject({
    XPUFLOW_LEADER_ELECT: 'true',
    XPUFLOW_LEADER_ELECTION_ID: 'xpuflow-controller',
    XPUFLOW_LEADER_ELECTION_NAMESPACE: 'xpuflow-system',
    XPUFLOW_LEASE_DURATION_SECONDS: '15',
    XPUFLOW_RENEW_DEADLINE_SECONDS: '10',
    XPUFLOW_RETRY_PERIOD_SECONDS: '2',
  });
  const role = objs.find(
    (o) => o.kind === 'Role' && o.metadata.name.endsWith('-leader-election'),
  ) as K8sObject & {
    rules: unknown[];
  };
  expect(role.metadata.namespace).toBe('xpuflow-system');
  expect(role.rules).toEqual([
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  ]);
  const binding = objs.find(
    (o) => o.kind === 'RoleBinding' && o.metadata.name.endsWith('-leader-election'),
  ) as K8sObject & { roleRef: { name: string } };
  expect(binding.roleRef.name).toBe(role.metadata.name);
});

test('more than one controller replica without leader election is refused, naming both values', () => {
  expect(() => renderChart({ 'controller.leaderElection.enabled': 'false' })).toThrow(
    /controller.replicas 2 needs controller.leaderElection.enabled: true/,
  );
  const one = deployment(
    renderChart({ 'controller.leaderElection.enabled': 'false', 'controller.replicas': '1' }),
    '-controller',
  );
  expect(one.spec.template.spec.containers[0].env).toContainEqual({
    name: 'XPUFLOW_LEADER_ELECT',
    value: 'false',
  });
});
