/**
 * A Temporal cluster shaped like production, owned by one test file (beside
 * the dev server of test/support/dev-server.ts): a private PostgreSQL holding
 * persistence (`temporal`) and SQL visibility (`temporal_visibility`), their
 * schemas created and migrated by Temporal's own SQL tool from the server
 * module's schema/postgresql/v12/ (once per server and PostgreSQL version:
 * later clusters start from a copy of that data directory), and the frontend, history, matching and
 * worker services as four separate `temporal-server start --service <name>`
 * processes with 4 history shards, mTLS on the frontend (client certificates
 * required), and a dynamic config of its own. An administrator's certificate
 * creates the namespace and xpuflow's search attributes through the operator
 * API with the Temporal CLI, as an operator would.
 *
 * The server and SQL tool are built once by scripts/temporal-server.sh, and
 * PostgreSQL is Debian's (scripts/ensure-postgres.sh).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import YAML from 'yaml';
import { SEARCH_ATTRIBUTE_KEYS } from '../../model/search-attributes';
import { freePort } from '../../sim/free-port';
import { TestPki, type CertFiles } from './certs';
import { postgresBinDir, postgresUser, temporalServerBuild } from './temporal-cluster-tools';
import { temporalCli } from './tools';
import { waitFor } from './wait-for';

const run = promisify(execFile);

export const CLUSTER_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type ClusterService = (typeof CLUSTER_SERVICES)[number];

/** The name the frontend's certificate carries (and clients verify). */
export const FRONTEND_SERVER_NAME = 'localhost';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * A free port below 32768 for a service's membership: the server records it
 * in cluster_membership.rpc_port, a SMALLINT in the PostgreSQL schema
 * (temporalio/temporal schema/postgresql/v12/temporal/schema.sql @v1.32.2,
 * `rpc_port SMALLINT NOT NULL`), and a service given an ephemeral port
 * (32768 and up) dies with "value … is out of range for type smallint".
 */
async function freeMembershipPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32000 after 50 tries');
}

interface ServicePorts {
  grpcPort: number;
  membershipPort: number;
}

export interface TemporalClusterOptions {
  namespace?: string;
  /** false: the namespace is created without xpuflow's search attributes. */
  searchAttributes?: boolean;
}

export class TemporalCluster {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-cluster-'));
  readonly namespace: string;
  readonly pki = new TestPki();
  /** The CA the frontend trusts for clients and that signed its certificate. */
  ca!: CertFiles;
  /** A client certificate that CA signed: xpuflow's workers and CLI use it. */
  client!: CertFiles;
  /** The administrator's client certificate (namespace and search attributes). */
  admin!: CertFiles;
  private serverCert!: CertFiles;
  private systemWorkerCert!: CertFiles;
  private pg?: ChildProcess;
  private pgPort = 0;
  private httpPort = 0;
  private readonly ports = new Map<ClusterService, ServicePorts>();
  private readonly procs = new Map<ClusterService, ChildProcess>();
  private binDir = '';
  private moduleDir = '';

  constructor(private readonly opts: TemporalClusterOptions = {}) {
    this.namespace = opts.namespace ?? 'xpuflow';
    // PostgreSQL, run as `postgres`, reaches its data and socket directories through this one.
    fs.chmodSync(this.dir, 0o755);
  }

  get address(): string {
    return `127.0.0.1:${this.ports.get('frontend')?.grpcPort ?? 0}`;
  }

  /** TEMPORAL_* for xpuflow's workers and CLI: mTLS with the client certificate. */
  clientEnv(over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    return {
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_NAMESPACE: this.namespace,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: this.ca.cert,
      TEMPORAL_TLS_CLIENT_CERT_PATH: this.client.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: this.client.key,
      TEMPORAL_TLS_SERVER_NAME: FRONTEND_SERVER_NAME,
      // No profile file of the user's may change what these say.
      TEMPORAL_CONFIG_FILE: path.join(this.dir, 'no-profile.toml'),
      ...over,
    };
  }

  /** A client over mTLS with the client certificate (and the codec, when given its data converter). */
  async connect(dataConverter?: DataConverter): Promise<Client> {
    const connection = await Connection.connect({
      address: this.address,
      tls: {
        serverNameOverride: FRONTEND_SERVER_NAME,
        serverRootCACertificate: fs.readFileSync(this.ca.cert),
        clientCertPair: { crt: fs.readFileSync(this.client.cert), key: fs.readFileSync(this.client.key) },
      },
    });
    return new Client({ connection, namespace: this.namespace, dataConverter });
  }

  async start(): Promise<void> {
    const build = temporalServerBuild();
    this.binDir = build.bin;
    this.moduleDir = build.module;
    this.makeCertificates();
    await this.startPostgres();
    for (const s of CLUSTER_SERVICES)
      this.ports.set(s, { grpcPort: await freePort(), membershipPort: await freeMembershipPort() });
    this.httpPort = await freePort();
    this.writeConfig();
    // History first, alone until it listens: every service writes the cluster metadata into an empty
    // store at start (ApplyClusterMetadataConfigProvider, go.temporal.io/server@v1.32.2 temporal/fx.go:646),
    // and services started together race on that first write; the loser exits with "failed to initialize
    // current cluster metadata" (seen in CI). Then the rest, which find history through the membership ring.
    this.startService('history');
    await this.waitListening('history');
    for (const s of ['matching', 'frontend', 'worker'] as const) this.startService(s);
    await Promise.all(CLUSTER_SERVICES.map((s) => this.waitListening(s)));
    await this.admin_(['operator', 'cluster', 'health'], 60_000);
    await this.createNamespace();
  }

  private makeCertificates(): void {
    this.ca = this.pki.ca('temporal-ca');
    this.serverCert = this.pki.issue(this.ca, 'temporal-frontend', {
      serverNames: [FRONTEND_SERVER_NAME, '127.0.0.1'],
    });
    this.client = this.pki.issue(this.ca, 'xpuflow-worker');
    this.admin = this.pki.issue(this.ca, 'temporal-admin');
    this.systemWorkerCert = this.pki.issue(this.ca, 'temporal-system-worker');
  }

  private pgLog(): string {
    return this.tail(path.join(this.dir, 'postgres.log'));
  }

  /**
   * PostgreSQL on its own port and socket directory, its data directory a
   * copy of one initialised once per server and PostgreSQL version (initdb,
   * then Temporal's SQL tool creating and migrating both databases: seconds
   * of CPU each time otherwise). The first run builds it and leaves a copy
   * in the server's cache beside bin/ (scripts/temporal-server.sh); files
   * running in parallel may both build it, and the first to rename its copy
   * into place wins.
   */
  private async startPostgres(): Promise<void> {
    const bin = postgresBinDir();
    const user = postgresUser();
    const data = path.join(this.dir, 'pgdata');
    const sockets = path.join(this.dir, 'pgsock');
    fs.mkdirSync(sockets, { mode: 0o700 });
    if (user) fs.chownSync(sockets, user.uid, user.gid);
    const version = (await run(path.join(bin, 'postgres'), ['--version'])).stdout.trim();
    // The major version is what a data directory is bound to; the tag names what the copy holds.
    const major = /\(PostgreSQL\) (\d+)/.exec(version)?.[1];
    if (!major)
      throw new Error(`cannot read the PostgreSQL major version from \`postgres --version\`: ${version}`);
    const template = path.join(this.binDir, '..', `pgdata-pg${major}-temporal-schemas`);
    if (fs.existsSync(template)) {
      // -a: the owner (`postgres` when this is root), modes (0700, which postgres insists on) and all.
      await run('cp', ['-a', template, data]);
      await this.spawnPostgres(bin, data, sockets, user);
      return;
    }
    fs.mkdirSync(data, { mode: 0o700 });
    if (user) fs.chownSync(data, user.uid, user.gid);
    await run(
      path.join(bin, 'initdb'),
      ['-D', data, '-U', 'temporal', '-A', 'trust', '-E', 'UTF8', '--no-sync'],
      {
        ...user,
      },
    ).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`initdb ${data} failed: ${err.stderr || err.message}`);
    });
    await this.spawnPostgres(bin, data, sockets, user);
    await this.createSchemas();
    // Stopped for the copy (smart shutdown: a checkpoint, a clean data directory), then started again.
    const pg = this.pg!;
    const exited = new Promise((r) => pg.once('exit', r));
    pg.kill('SIGTERM');
    await exited;
    const staging = `${template}.${process.pid}-${Date.now()}`;
    await run('cp', ['-a', data, staging]);
    try {
      fs.renameSync(staging, template);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another file built it first: keep theirs.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      fs.rmSync(staging, { recursive: true, force: true });
    }
    await this.spawnPostgres(bin, data, sockets, user);
  }

  /** `postgres` on a free port of 127.0.0.1 and the socket directory, until it accepts connections. */
  private async spawnPostgres(
    bin: string,
    data: string,
    sockets: string,
    user: { uid: number; gid: number } | undefined,
  ): Promise<void> {
    this.pgPort = await freePort();
    const log = fs.openSync(path.join(this.dir, 'postgres.log'), 'a');
    this.pg = spawn(
      path.join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(this.pgPort),
        '-h',
        '127.0.0.1',
        '-k',
        sockets,
        // A test database: durability is not what is tested, speed is wanted.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      { stdio: ['ignore', log, log], ...user },
    );
    fs.closeSync(log);
    const pg = this.pg;
    await waitFor(
      `PostgreSQL on 127.0.0.1:${this.pgPort}`,
      async () => {
        if (pg.exitCode !== null) throw new Error(`postgres exited: ${this.pgLog()}`);
        await run(path.join(bin, 'pg_isready'), [
          '-h',
          '127.0.0.1',
          '-p',
          String(this.pgPort),
          '-U',
          'temporal',
        ]);
        return true;
      },
      { timeoutMs: 30_000, explain: () => this.pgLog() },
    );
  }

  /** Temporal's SQL tool: create each database, its base schema, then every versioned migration. */
  private async createSchemas(): Promise<void> {
    const schemaRoot = path.join(this.moduleDir, 'schema/postgresql/v12');
    const tool = path.join(this.binDir, 'temporal-sql-tool');
    const sql = (db: string, args: string[]) =>
      run(tool, [
        '--plugin',
        'postgres12',
        '--ep',
        '127.0.0.1',
        '-p',
        String(this.pgPort),
        '-u',
        'temporal',
        '--pw',
        'temporal',
        '--db',
        db,
        ...args,
      ]).catch((err: { stderr?: string; stdout?: string; message: string }) => {
        throw new Error(
          `temporal-sql-tool ${args.join(' ')} on ${db} failed: ${err.stderr || err.stdout || err.message}`,
        );
      });
    await Promise.all(
      [
        ['temporal', 'temporal'],
        ['temporal_visibility', 'visibility'],
      ].map(async ([db, dir]) => {
        await sql(db, ['create-database']);
        await sql(db, ['setup-schema', '-v', '0.0']);
        await sql(db, ['update-schema', '-d', path.join(schemaRoot, dir, 'versioned')]);
      }),
    );
  }

  /**
   * The module's config/development-postgres12.yaml with this cluster's
   * ports, database address, TLS and dynamic config; no archival, pprof or
   * metrics listener (four processes would fight over their fixed ports).
   */
  private writeConfig(): void {
    const base = YAML.parse(
      fs.readFileSync(path.join(this.moduleDir, 'config/development-postgres12.yaml'), 'utf8'),
    ) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const cfg = base;
    cfg.log = { stdout: true, level: 'warn' };
    for (const store of Object.values(cfg.persistence.datastores) as Array<{ sql: Record<string, unknown> }>)
      store.sql.connectAddr = `127.0.0.1:${this.pgPort}`;
    if (cfg.persistence.numHistoryShards < 2)
      throw new Error('the cluster must have more than one history shard');
    delete cfg.global.pprof;
    delete cfg.global.metrics;
    cfg.global.tls = {
      frontend: {
        server: {
          certFile: this.serverCert.cert,
          keyFile: this.serverCert.key,
          requireClientAuth: true,
          clientCaFiles: [this.ca.cert],
        },
        client: { serverName: FRONTEND_SERVER_NAME, rootCaFiles: [this.ca.cert] },
      },
      systemWorker: {
        certFile: this.systemWorkerCert.cert,
        keyFile: this.systemWorkerCert.key,
        client: { serverName: FRONTEND_SERVER_NAME, rootCaFiles: [this.ca.cert] },
      },
    };
    for (const s of CLUSTER_SERVICES) {
      const p = this.ports.get(s)!;
      cfg.services[s].rpc = {
        ...cfg.services[s].rpc,
        grpcPort: p.grpcPort,
        membershipPort: p.membershipPort,
        ...(s === 'frontend' ? { httpPort: this.httpPort } : {}),
      };
    }
    cfg.clusterMetadata.clusterInformation.active.rpcAddress = `${FRONTEND_SERVER_NAME}:${this.ports.get('frontend')!.grpcPort}`;
    cfg.archival = { history: { state: 'disabled' }, visibility: { state: 'disabled' } };
    cfg.namespaceDefaults = {
      archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    };
    const dynamic = path.join(this.dir, 'dynamicconfig.yaml');
    fs.writeFileSync(
      dynamic,
      YAML.stringify({
        // A search attribute created by the operator API is seen at once (as the dev server does).
        'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true }],
        // A new namespace reaches history and matching within a second, not 10 s.
        'system.namespaceCacheRefreshInterval': [{ value: '1s' }],
        'limit.maxIDLength': [{ value: 255 }],
      }),
    );
    cfg.dynamicConfigClient = { filepath: dynamic, pollInterval: '10s' };
    fs.writeFileSync(path.join(this.dir, 'server.yaml'), YAML.stringify(cfg));
  }

  private serviceLog(s: ClusterService): string {
    return path.join(this.dir, `${s}.log`);
  }

  /** Starts one service as its own process (again, after a kill: same ports, same config). */
  startService(s: ClusterService): void {
    const log = fs.openSync(this.serviceLog(s), 'a');
    const proc = spawn(
      path.join(this.binDir, 'temporal-server'),
      ['--config-file', path.join(this.dir, 'server.yaml'), '--allow-no-auth', 'start', '--service', s],
      { stdio: ['ignore', log, log], cwd: this.dir },
    );
    fs.closeSync(log);
    this.procs.set(s, proc);
  }

  /** Waits until the service's gRPC port accepts connections. */
  async waitListening(s: ClusterService, timeoutMs = 60_000): Promise<void> {
    const port = this.ports.get(s)!.grpcPort;
    await waitFor(
      `the ${s} service on 127.0.0.1:${port}`,
      async () => {
        const p = this.procs.get(s);
        if (p && p.exitCode !== null) throw new Error(`${s} exited with ${p.exitCode}: ${this.logOf(s)}`);
        return portOpen(port);
      },
      { timeoutMs, explain: () => this.logOf(s) },
    );
  }

  /** The process id of each service now running (a benchmark reads their CPU time from /proc). */
  servicePids(): number[] {
    return CLUSTER_SERVICES.map((s) => {
      const p = this.procs.get(s);
      if (!p?.pid || p.exitCode !== null || p.signalCode !== null) throw new Error(`${s} is not running`);
      return p.pid;
    });
  }

  /** kill -9 of one service: in-memory state gone, as a crashed pod's. */
  async kill9(s: ClusterService): Promise<void> {
    const p = this.procs.get(s);
    if (!p || p.exitCode !== null || p.signalCode !== null) throw new Error(`${s} is not running`);
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  /** The Temporal CLI as the administrator (mTLS with the admin certificate). */
  adminArgs(): string[] {
    return [
      '--address',
      this.address,
      '--tls-ca-path',
      this.ca.cert,
      '--tls-cert-path',
      this.admin.cert,
      '--tls-key-path',
      this.admin.key,
      '--tls-server-name',
      FRONTEND_SERVER_NAME,
    ];
  }

  private async admin_(args: string[], retryMs = 0): Promise<string> {
    const once = async () =>
      (
        await run(temporalCli(), [...args, ...this.adminArgs()], {
          env: { ...process.env, TEMPORAL_CONFIG_FILE: path.join(this.dir, 'no-profile.toml') },
        })
      ).stdout;
    if (!retryMs) return once();
    return waitFor(`temporal ${args.join(' ')}`, once, {
      timeoutMs: retryMs,
      everyMs: 500,
      explain: () => this.logs(),
    });
  }

  /** The namespace (1 day retention) and, unless told not to, xpuflow's search attributes. */
  private async createNamespace(): Promise<void> {
    await this.admin_(
      ['operator', 'namespace', 'create', '--namespace', this.namespace, '--retention', '24h'],
      30_000,
    );
    await this.admin_(['operator', 'namespace', 'describe', '--namespace', this.namespace], 30_000);
    if (this.opts.searchAttributes === false) return;
    await this.createSearchAttributes();
  }

  /** xpuflow's search attributes, as README says an operator creates them. */
  async createSearchAttributes(): Promise<void> {
    // One call each: CLI 1.9.1 given several --name with one --type created only the first.
    for (const k of SEARCH_ATTRIBUTE_KEYS)
      await this.admin_(
        [
          'operator',
          'search-attribute',
          'create',
          '--namespace',
          this.namespace,
          '--name',
          k.name,
          '--type',
          'Keyword',
        ],
        30_000,
      );
  }

  private tail(file: string, chars = 3000): string {
    try {
      return fs.readFileSync(file, 'utf8').slice(-chars);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `(no ${path.basename(file)} yet)`;
      throw err;
    }
  }

  logOf(s: ClusterService): string {
    return this.tail(this.serviceLog(s));
  }

  /** Log tails of every service and PostgreSQL, for failure messages. */
  logs(): string {
    return [
      ...CLUSTER_SERVICES.map((s) => `--- ${s}\n${this.logOf(s)}`),
      `--- postgres\n${this.pgLog()}`,
    ].join('\n');
  }

  async dispose(): Promise<void> {
    const stop = async (p: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM') => {
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill(signal);
      const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    };
    // SIGKILL: the cluster's data is deleted next, and a graceful stop drains each service first
    // (seconds each). Restarts inside a test go through kill9() and startService().
    await Promise.all([...this.procs.values()].map((p) => stop(p, 'SIGKILL')));
    await stop(this.pg, 'SIGINT'); // PostgreSQL's fast shutdown: it does not wait for clients
    this.pki.dispose();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
