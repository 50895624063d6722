/**
 * Entry point of a host worker process.
 *   node dist/workers/host/main.js --node NODE [--sysfs-root /sys]
 * Temporal connection settings come from the environment (see connection/temporal.ts).
 */
import { connectWorker, temporalSettings } from '../../connection/temporal';
import { hostTaskQueue } from '../../model/task-queues';
import { createHostWorker } from './worker';

export async function runHostWorker(opts: { node: string; sysfsRoot?: string }): Promise<void> {
  const settings = temporalSettings();
  const connection = await connectWorker(settings);
  const worker = await createHostWorker({
    connection,
    namespace: settings.namespace,
    node: opts.node,
    sysfsRoot: opts.sysfsRoot ?? '/sys',
  });
  console.log(`host worker for ${opts.node} polling ${hostTaskQueue(opts.node)} (sysfs ${opts.sysfsRoot ?? '/sys'})`);
  await worker.run();
  await connection.close();
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const node = arg('--node') ?? process.env.XPUFLOW_NODE_NAME;
  if (!node) {
    console.error('host worker: say which node this is: --node NODE (or XPUFLOW_NODE_NAME)');
    process.exit(2);
  }
  runHostWorker({ node, sysfsRoot: arg('--sysfs-root') }).catch((err) => {
    console.error(`host worker: ${(err as Error).message}`);
    process.exit(1);
  });
}
