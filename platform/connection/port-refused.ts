/**
 * Whether nothing listens at a host:port right now. grpc-js retries a
 * refused connection until the connect deadline (10 s for the CLI) and then
 * says only "Failed to connect before the deadline"; a refused TCP connect
 * is known in milliseconds and is the frontend being down or restarting.
 */
import net from 'node:net';

/** The refusal's message (`connect ECONNREFUSED …`), or undefined when something answered or it was not a refusal. */
export function portRefused(address: string, timeoutMs = 3_000): Promise<string | undefined> {
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const port = Number(address.split(':').pop());
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('connect', () => done(undefined));
    // Other errors (DNS, unreachable network) are left to the gRPC connection, which reports them.
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' ? err.message : undefined),
    );
  });
}
