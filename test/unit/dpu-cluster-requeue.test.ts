/** controllers/dpu-cluster-requeue.ts: a DPU's change requeues its DPUCluster only while that cluster is being deleted. */
import { clusterKeysOfDpu } from '../../controllers/dpu-cluster-requeue';
import type { DpuClusterResource, DpuResource } from '../../model/resources/common';

const dpu = (cluster?: string) =>
  ({
    metadata: { name: 'dpu-0', namespace: 'team-a' },
    spec: { nodeName: 'host-1', bfb: 'bfb', ...(cluster ? { cluster: { name: cluster } } : {}) },
  }) as unknown as DpuResource;

const clusters: Record<string, DpuClusterResource> = {
  'team-a/live': { metadata: { name: 'live', namespace: 'team-a' }, spec: {} } as DpuClusterResource,
  'team-a/going': {
    metadata: { name: 'going', namespace: 'team-a', deletionTimestamp: '2026-12-02T11:00:00Z' },
    spec: {},
  } as unknown as DpuClusterResource,
};
const keysOf = clusterKeysOfDpu((ns, name) => clusters[`${ns}/${name}`], 'default');

test('a DPU of a cluster in use requeues nothing: no probe of the DPU cluster at each status write', () => {
  expect(keysOf(dpu('live'))).toEqual([]);
});

test('a DPU of a cluster being deleted requeues it: the deletion it blocked may go on', () => {
  expect(keysOf(dpu('going'))).toEqual(['team-a/going']);
});

test('a DPU without a cluster, or naming one that does not exist, requeues nothing', () => {
  expect(keysOf(dpu())).toEqual([]);
  expect(keysOf(dpu('missing'))).toEqual([]);
});
