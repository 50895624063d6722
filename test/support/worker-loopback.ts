/**
 * The loopback /16 of this jest worker: 127.0 for worker 1, 127.1 for worker 2, …
 * Simulators that listen on addresses of their own (one per simulated node, all
 * on one port) take them there, so two files that jest runs at once never bind
 * the same address and port (Linux routes all of 127.0.0.0/8 to lo).
 */
export function workerLoopback(env: NodeJS.ProcessEnv = process.env): string {
  const id = Number(env.JEST_WORKER_ID ?? '1');
  if (!Number.isInteger(id) || id < 1 || id > 255)
    throw new Error(`JEST_WORKER_ID=${env.JEST_WORKER_ID}: expected a whole number from 1 to 255`);
  return `127.${id - 1}`;
}
