/**
 * The life of a worker process, shared by the control, host and DPU worker
 * entry points: its command-line flags, one Temporal connection (settings
 * from the environment, codec keys from XPUFLOW_CODEC_KEYS) for all of its
 * workers, running them until SIGINT/SIGTERM, and how it ends on a failure.
 */
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { codecDataConverter } from '../platform/codec/data-converter';
import { connectWorker, temporalSettings, type TemporalSettings } from '../platform/connection/temporal';

export interface WorkerProcessConnection {
  settings: TemporalSettings;
  connection: NativeConnection;
  /** The same codec as every xpuflow process (none without XPUFLOW_CODEC_KEYS). */
  dataConverter?: DataConverter;
}

/** Reads the settings and the codec keys, runs `beforeConnect` (a check of the server), then connects. */
export async function connectWorkerProcess(
  beforeConnect: (settings: TemporalSettings) => Promise<void> = async () => undefined,
): Promise<WorkerProcessConnection> {
  const settings = temporalSettings();
  const dataConverter = codecDataConverter();
  await beforeConnect(settings);
  const connection = await connectWorker(settings);
  return { settings, connection, dataConverter };
}

/** Runs the workers until SIGINT/SIGTERM (each hands its in-flight work back), then `stopped`, then closes the connection. */
export async function runUntilShutdown(
  connection: NativeConnection,
  workers: Worker[],
  stopped: () => Promise<unknown> = async () => undefined,
): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
  await stopped();
  await connection.close();
}

/** The value after `--name` on the command line, or undefined. */
export function flagValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1] : undefined;
}

/** Runs a worker entry point's main; a failure (bad flags included) prints `<who>: <message>` and exits 1. */
export function runWorkerMain(who: string, main: () => Promise<void>): void {
  Promise.resolve()
    .then(main)
    .catch((err) => {
      console.error(`${who}: ${(err as Error).message}`);
      process.exit(1);
    });
}
