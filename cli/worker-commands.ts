/** `xpuflow worker control|host`: run a worker process in the foreground. */
import { Command } from 'commander';
import { runControlWorker } from '../workers/control/main';
import { runHostWorker } from '../workers/host/main';

export function workerCommand(): Command {
  const worker = new Command('worker').description(
    'run an xpuflow worker (Temporal connection from the environment)',
  );
  worker
    .command('control')
    .description('the control worker: all workflows, DMS and BFB activities (queue xpuflow-control)')
    .option(
      '--bfb-cache <dir>',
      'where downloaded BFBs are cached (default .xpuflow/bfb-cache or $XPUFLOW_BFB_CACHE)',
    )
    .action(async (o) => runControlWorker({ bfbCacheDir: o.bfbCache }));
  worker
    .command('host')
    .description("a host worker: this node's sysfs SR-IOV work (queue xpuflow-host-<node>)")
    .requiredOption('--node <node>', 'this node name', process.env.XPUFLOW_NODE_NAME)
    .option('--sysfs-root <dir>', 'root of sysfs', '/sys')
    .action(async (o) => runHostWorker({ node: o.node, sysfsRoot: o.sysfsRoot }));
  return worker;
}
