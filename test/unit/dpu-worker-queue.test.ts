/**
 * The DPU worker's queue (model/task-queues.ts, workers/dpu/worker.ts): DPUs
 * of one name in two namespaces never share one; the chart's `--dpu-node`
 * (the DPU-cluster node name) and `--dpu` with `--namespace` name the same
 * queue; a CLI-started DPU keeps `xpuflow-dpu-<dpu>`; bad values are refused
 * naming them.
 */
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import { dpuTaskQueue } from '../../model/task-queues';
import { dpuWorkerQueue } from '../../workers/dpu/worker';

test('two namespaces, one DPU name: two queues; a CLI-started DPU keeps its bare queue', () => {
  expect(dpuTaskQueue('dpu-0', 'team-a')).toBe('xpuflow-dpu-dpu-0.team-a');
  expect(dpuTaskQueue('dpu-0', 'team-b')).toBe('xpuflow-dpu-dpu-0.team-b');
  expect(dpuTaskQueue('dpu-0')).toBe('xpuflow-dpu-dpu-0');
  // Joined by '-', `a-b`/`c` and `a`/`b-c` would meet; the dot keeps them apart.
  expect(dpuTaskQueue('c', 'a-b')).not.toBe(dpuTaskQueue('b-c', 'a'));
});

test('--dpu-node (the DPU-cluster node name) and --dpu with --namespace poll the same queue, long names too', () => {
  for (const [ns, dpu] of [
    ['team-a', 'dpu-0'],
    ['n'.repeat(40), 'd'.repeat(40)],
  ]) {
    const byName = dpuWorkerQueue({ dpu, dpuNamespace: ns });
    const byNode = dpuWorkerQueue({ dpuNode: dpuClusterNodeName(ns, dpu) });
    expect(byNode).toEqual(byName);
    expect(byName.queue).toBe(dpuTaskQueue(dpu, ns));
  }
  expect(dpuWorkerQueue({ dpu: 'dpu-0' })).toEqual({ queue: 'xpuflow-dpu-dpu-0', name: 'dpu-0' });
});

test('bad identities are refused naming the value', () => {
  expect(() => dpuWorkerQueue({})).toThrow(/--dpu NAME \[--namespace NS\], or --dpu-node NODE/);
  expect(() => dpuWorkerQueue({ dpuNode: 'dpu-0.team-a', dpu: 'dpu-0' })).toThrow(
    /either --dpu-node \(dpu-0.team-a\) or --dpu/,
  );
  expect(() => dpuWorkerQueue({ dpu: 'dpu-0', dpuNamespace: 'Team_A' })).toThrow(
    /--namespace: namespace "Team_A" is not a DNS-1123 label/,
  );
  expect(() => dpuWorkerQueue({ dpu: 'dpu.0' })).toThrow(/DPU name "dpu.0" is not a DNS-1123 label/);
  expect(() => dpuWorkerQueue({ dpuNode: 'Bad Node' })).toThrow(/--dpu-node: node name "Bad Node"/);
});
