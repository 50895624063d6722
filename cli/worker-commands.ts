/** `xpuflow worker control|host`: run a worker process in the foreground. */
import { Command } from 'commander';
import { runControlWorker } from '../workers/control/main';
import { runDpuWorkers } from '../workers/dpu/main';
import { runHostWorker } from '../workers/host/main';

export function workerCommand(): Command {
  const worker = new Command('worker').description(
    'run an xpuflow worker (Temporal connection from the environment); logs are JSON lines\n' +
      '(XPUFLOW_LOG_FORMAT=text for plain text, XPUFLOW_LOG_LEVEL=DEBUG|INFO|WARN|ERROR)',
  );
  worker
    .command('control')
    .description('the control worker: all workflows, DMS and BFB activities (queue xpuflow-control)')
    .option(
      '--bfb-cache <dir>',
      'where downloaded BFBs are cached (default .xpuflow/bfb-cache or $XPUFLOW_BFB_CACHE)',
    )
    .option(
      '--metrics <host:port>',
      'serve Prometheus /metrics there (default $XPUFLOW_METRICS_ADDRESS; none)',
    )
    .action(async (o) => runControlWorker({ bfbCacheDir: o.bfbCache, metricsAddress: o.metrics }));
  worker
    .command('host')
    .description("a host worker: this node's sysfs SR-IOV work (queue xpuflow-host-<node>)")
    .requiredOption('--node <node>', 'this node name', process.env.XPUFLOW_NODE_NAME)
    .option('--sysfs-root <dir>', 'root of sysfs', '/sys')
    .option(
      '--metrics <host:port>',
      'serve Prometheus /metrics there (default $XPUFLOW_METRICS_ADDRESS; none)',
    )
    .option(
      '--vf-config <file>',
      'VF attach: host agent socket, device plugin pools, lease collector (see README)',
    )
    .action(async (o) =>
      runHostWorker({ node: o.node, sysfsRoot: o.sysfsRoot, metricsAddress: o.metrics, vf: o.vfConfig }),
    );
  worker
    .command('dpu')
    .description(
      "a DPU worker: the xPU's OPI calls for VF leases, OVS ports and flows of service chains (queue xpuflow-dpu-<dpu>)",
    )
    .requiredOption('--dpu <dpu>', 'the DPU name')
    .requiredOption('--opi <host:port>', "the DPU's OPI server")
    .option('--ovs-db <remote>', "the DPU's ovsdb", 'unix:/var/run/openvswitch/db.sock')
    .option(
      '--ovs-rundir <dir>',
      "ovs-vswitchd's rundir (<bridge>.mgmt sockets; default: the db socket's directory)",
    )
    .option('--ovs-datapath <type>', 'datapath_type of bridges it creates (netdev: userspace)')
    .action(async (o) =>
      runDpuWorkers([
        {
          dpu: o.dpu,
          opiAddress: o.opi,
          ovsDb: o.ovsDb,
          ...(o.ovsRundir ? { ovsRundir: o.ovsRundir } : {}),
          ...(o.ovsDatapath ? { ovsDatapathType: o.ovsDatapath } : {}),
        },
      ]),
    );
  return worker;
}
