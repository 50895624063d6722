/**
 * A QMP client (QEMU Machine Protocol, JSON over the VM's unix socket):
 * reads the greeting, negotiates with qmp_capabilities, then runs commands
 * one at a time and collects events (DEVICE_DELETED) as they come.
 */
import * as net from 'node:net';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

export class QmpError extends Error {
  override name = 'QmpError';
  constructor(
    readonly errorClass: string,
    desc: string,
  ) {
    super(desc);
  }
}

export class QmpClient {
  private buf = '';
  private readonly waiting: Array<(msg: Record<string, unknown>) => void> = [];
  readonly events: QmpEvent[] = [];
  private readonly eventWaiters: Array<{ match: (e: QmpEvent) => boolean; resolve: (e: QmpEvent) => void }> =
    [];

  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.buf += chunk;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (line) this.onMessage(JSON.parse(line) as Record<string, unknown>);
      }
    });
  }

  private onMessage(msg: Record<string, unknown>) {
    if (typeof msg.event === 'string') {
      const e = msg as unknown as QmpEvent;
      this.events.push(e);
      for (const w of [...this.eventWaiters]) {
        if (w.match(e)) {
          this.eventWaiters.splice(this.eventWaiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
      return;
    }
    this.waiting.shift()?.(msg);
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  static async connect(socketPath: string, timeoutMs = 5000): Promise<QmpClient> {
    const sock = net.createConnection(socketPath);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`QMP socket ${socketPath}: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      sock.once('connect', () => (clearTimeout(t), resolve()));
      sock.once(
        'error',
        (err) => (
          clearTimeout(t),
          reject(new Error(`QMP socket ${socketPath}: ${err.message} (is the VM running?)`))
        ),
      );
    });
    const client = new QmpClient(sock);
    const greeting = await client.next();
    if (!greeting.QMP) throw new Error(`QMP socket ${socketPath} did not greet with {"QMP": ...}`);
    await client.execute('qmp_capabilities');
    return client;
  }

  async execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    const reply = this.next();
    this.sock.write(
      JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n',
    );
    const msg = await reply;
    if (msg.error) {
      const e = msg.error as { class: string; desc: string };
      throw new QmpError(e.class, e.desc);
    }
    return msg.return as T;
  }

  /** Resolves with the first event (already seen or coming) matching; rejects after timeoutMs. */
  waitForEvent(match: (e: QmpEvent) => boolean, timeoutMs: number): Promise<QmpEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (e: QmpEvent) => (clearTimeout(t), resolve(e)) };
      const t = setTimeout(() => {
        this.eventWaiters.splice(this.eventWaiters.indexOf(w), 1);
        reject(new Error(`no QMP event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.eventWaiters.push(w);
    });
  }

  close(): void {
    this.sock.end();
  }
}
