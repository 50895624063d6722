/**
 * grpcurl, with the kubelet's own device plugin API (k8s.io/kubelet@v0.36.3,
 * pkg/apis/deviceplugin/v1beta1/api.proto, from the Go module proxy), plays the
 * kubelet against xpuflow's real device plugin (node/deviceplugin) on its unix
 * socket: GetDevicePluginOptions, ListAndWatch (the first list, then the
 * client stops), GetPreferredAllocation and Allocate.
 *
 * Behind the plugin: a simulated sysfs (two VFs on one PF), a kubelet peer it
 * registers with (sim/kubelet), and a Temporal dev server running the real
 * VF lease workflow, whose host and DPU activities are recording fakes (the
 * contract under test is the plugin's gRPC face, not the attach).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { setNumVfs } from '../../activities/sysfs';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { dpuTaskQueue } from '../../model/task-queues';
import { startDevicePlugin, type RunningDevicePlugin } from '../../node/deviceplugin/plugin';
import { startKubeletSim, type KubeletSim } from '../../sim/kubelet';
import { createSysfsTree, startSimKernel, type SimKernel } from '../../sim/sysfs';
import { DevServer } from '../support/dev-server';
import { vfLeaseWorkers } from '../support/vf-lease-workers';
import { describeWith, goToolsBin, upstreamProtoDir } from '../support/third-party-tools';
import { grpcurl } from './grpcurl';

jest.setTimeout(180_000);

const tools = goToolsBin();
const protos = upstreamProtoDir();
const PF = '0000:03:00.0';

describeWith([tools, protos], 'the grpcurl device plugin contract tests')(
  'grpcurl with the upstream kubelet device plugin API against node/deviceplugin',
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-grpcurl-dp-'));
    const sysfsRoot = path.join(dir, 'sys');
    const pluginDir = path.join(dir, 'device-plugins');
    const server = new DevServer();
    let clientConnection: Connection;
    let connection: NativeConnection;
    let workers: Worker[] = [];
    let running: Promise<unknown> = Promise.resolve();
    let kernel: SimKernel;
    let kubelet: KubeletSim;
    let plugin: RunningDevicePlugin;
    let vfs: string[];
    let client: Client;

    const call = (method: string, requests?: unknown[], maxTimeSeconds?: number) =>
      grpcurl({
        bin: tools.dir as string,
        importPaths: [path.join(protos.dir as string, 'kubelet')],
        protos: ['api.proto'],
        address: plugin.socketPath,
        unix: true,
        method: `v1beta1.DevicePlugin/${method}`,
        requests,
        maxTimeSeconds,
      });

    beforeAll(async () => {
      await server.start();
      clientConnection = await Connection.connect({ address: server.address });
      client = new Client({ connection: clientConnection, namespace: 'default' });
      connection = await NativeConnection.connect({ address: server.address });
      workers = await vfLeaseWorkers(connection, { node: 'n1', dpuQueue: dpuTaskQueue('d1') });
      running = Promise.all(workers.map((w) => w.run()));

      const tree = createSysfsTree(sysfsRoot, { pfs: [{ pciAddress: PF, totalVfs: 4, ifname: 'enp3s0f0' }] });
      fs.writeFileSync(path.join(tree.deviceDir(PF), 'net', 'enp3s0f0', 'operstate'), 'up\n');
      kernel = startSimKernel(sysfsRoot, { persistent: false });
      await setNumVfs(sysfsRoot, PF, 2);
      vfs = [tree.vfAddress(PF, 0), tree.vfAddress(PF, 1)];
      kubelet = await startKubeletSim(pluginDir);
      plugin = await startDevicePlugin({
        client,
        node: 'n1',
        sysfsRoot,
        pool: { name: 'pool-a', dpu: 'd1', vlan: 100, selector: { pfNames: ['enp3s0f0'] } },
        dir: pluginDir,
        pollIntervalMs: 200,
        attachTimeoutMs: 120_000,
      });
    });

    afterAll(async () => {
      await plugin?.stop();
      await kubelet?.stop();
      await kernel?.stop();
      workers.forEach((w) => w.shutdown());
      await running;
      await connection?.close();
      await clientConnection?.close();
      await server.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('GetDevicePluginOptions: no PreStartContainer, GetPreferredAllocation available', async () => {
      const r = await call('GetDevicePluginOptions', [{}]);
      // protojson leaves false out: pre_start_required is false.
      expect(r.answers).toEqual([{ getPreferredAllocationAvailable: true }]);
    });

    test('ListAndWatch: the first message lists both VFs as Healthy; the client then stops', async () => {
      const r = await call('ListAndWatch', [{}], 2);
      // The stream stays open for changes; grpcurl stops it at -max-time.
      expect(r.status?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(r.answers.length).toBeGreaterThanOrEqual(1);
      const devices = (r.answers[0].devices as Array<{ ID: string; health: string }>).map((d) => [
        d.ID,
        d.health,
      ]);
      expect(devices.sort()).toEqual(vfs.map((v) => [v, 'Healthy']).sort());
    });

    test('GetPreferredAllocation: the must-include device, then the lowest healthy address', async () => {
      const r = await call('GetPreferredAllocation', [
        {
          container_requests: [
            { available_deviceIDs: [vfs[1], vfs[0]], must_include_deviceIDs: [vfs[1]], allocation_size: 2 },
          ],
        },
      ]);
      expect(r.answers).toEqual([{ containerResponses: [{ deviceIDs: [vfs[1], vfs[0]] }] }]);
    });

    test('Allocate: the VF is leased and the container gets PCIDEVICE_XPUFLOW_IO_POOL_A', async () => {
      const r = await call('Allocate', [{ container_requests: [{ devices_ids: [vfs[0]] }] }]);
      expect(r.answers).toEqual([
        { containerResponses: [{ envs: { PCIDEVICE_XPUFLOW_IO_POOL_A: vfs[0] } }] },
      ]);
      const lease = await client.workflow.getHandle(vfLeaseWorkflowId('n1', vfs[0])).describe();
      expect(lease.status.name).toBe('RUNNING');
    });

    test('Allocate of a device not in the pool is INVALID_ARGUMENT naming it', async () => {
      const r = await call('Allocate', [{ container_requests: [{ devices_ids: ['0000:99:00.1'] }] }]);
      expect(r.status).toEqual({
        code: grpc.status.INVALID_ARGUMENT,
        message: expect.stringContaining('device 0000:99:00.1 is not in pool xpuflow.io/pool-a'),
      });
    });
  },
);
