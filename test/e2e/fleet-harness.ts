/**
 * End-to-end harness: a real dev server (its own ports and SQLite file), the
 * simulators in the test process, and the workers as real child processes
 * that can be killed with SIGKILL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { DpuStatus } from '../../model/dpu';
import { statusQuery } from '../../model/dpu-provision-api';
import { provisionDpuWorkflowId } from '../../model/workflow-ids';
import { startSimFleet, type SimFleet, type SimFleetOptions } from '../../sim/fleet';
import type { WorkerProcess } from '../../cli/demo/worker-processes';
import { DevServer } from '../support/dev-server';
import { captureHistory } from '../support/history-capture';
import { logTails } from '../support/log-tails';
import { startControlWorker, startFleetHostWorkers } from '../support/polling-workers';

export interface HarnessOptions {
  /** More environment for every worker process (e.g. XPUFLOW_CODEC_KEYS). */
  env?: NodeJS.ProcessEnv;
  /** More environment for the control worker only (e.g. XPUFLOW_METRICS_ADDRESS). */
  controlEnv?: NodeJS.ProcessEnv;
  /** More environment for the fleets' host-workers processes only (e.g. XPUFLOW_METRICS_ADDRESS). */
  hostEnv?: NodeJS.ProcessEnv;
  /** The test client's data converter (the codec, when the workers encrypt). */
  dataConverter?: DataConverter;
  server?: DevServer;
}

export class Harness {
  readonly server: DevServer;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-e2e-'));
  client!: Client;
  control?: WorkerProcess;
  private readonly others: WorkerProcess[] = [];
  private readonly fleets: SimFleet[] = [];
  /** Each fleet's host-workers process now (a restart replaces it). */
  private readonly hostWorkers = new Map<string, WorkerProcess>();
  private controlStarts = 0;
  private hostStarts = 0;

  constructor(private readonly opts: HarnessOptions = {}) {
    this.server = opts.server ?? new DevServer();
  }

  get env(): NodeJS.ProcessEnv {
    return { TEMPORAL_ADDRESS: this.server.address, TEMPORAL_NAMESPACE: 'default', ...this.opts.env };
  }

  async start(): Promise<void> {
    await this.server.start();
    const connection = await Connection.connect({ address: this.server.address });
    this.client = new Client({ connection, namespace: 'default', dataConverter: this.opts.dataConverter });
    await this.startControlWorker();
  }

  async startControlWorker(): Promise<void> {
    await startControlWorker(this.client, {
      dir: this.dir,
      logFile: path.join(this.dir, `control-${++this.controlStarts}.log`),
      env: { ...this.env, ...this.opts.controlEnv },
      started: (w) => (this.control = w),
    });
  }

  /** A fleet of its own (names prefixed) with a host-workers process for its hosts. */
  async fleet(name: string, opts: Omit<SimFleetOptions, 'dir' | 'prefix'>): Promise<SimFleet> {
    const fleet = await startSimFleet({ ...opts, dir: path.join(this.dir, name), prefix: `${name}-` });
    this.fleets.push(fleet);
    await this.startHostWorkers(name, fleet);
    return fleet;
  }

  /** Starts (again) the host-workers process of fleet `name`, once its host queues are polled. */
  async startHostWorkers(name: string, fleet: SimFleet): Promise<void> {
    await startFleetHostWorkers(this.client, fleet, {
      logFile: path.join(this.dir, `${name}-hosts-${++this.hostStarts}.log`),
      env: { ...this.env, ...this.opts.hostEnv },
      started: (w) => {
        this.others.push(w);
        this.hostWorkers.set(name, w);
      },
    });
  }

  /** The host-workers process of fleet `name` now. */
  hostWorker(name: string): WorkerProcess {
    const w = this.hostWorkers.get(name);
    if (!w) throw new Error(`no host workers for fleet ${JSON.stringify(name)}; create it with fleet()`);
    return w;
  }

  status(dpu: string): Promise<DpuStatus> {
    return this.client.workflow.getHandle(provisionDpuWorkflowId(dpu)).query(statusQuery);
  }

  /** Polls statuses until `pred` holds for all, or fails with what they were. */
  async waitAll(dpus: string[], pred: (s: DpuStatus) => boolean, timeoutMs = 120_000): Promise<DpuStatus[]> {
    const deadline = Date.now() + timeoutMs;
    let last: DpuStatus[] = [];
    for (;;) {
      try {
        last = await Promise.all(dpus.map((d) => this.status(d)));
        if (last.every(pred)) return last;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `timed out; statuses: ${JSON.stringify(last.map((s) => [s.dpu, s.phase, s.lastError?.message]))}\n${this.logs()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Saves a run's history under test/histories/ when XPUFLOW_WRITE_HISTORIES=1 (see README). */
  async captureHistory(dpu: string, fileName: string): Promise<void> {
    captureHistory(this.server.address, provisionDpuWorkflowId(dpu), fileName);
  }

  logs(): string {
    return logTails(this.dir);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.control, ...this.others].map((w) => w?.stop(5_000)));
    await Promise.all(this.fleets.map((f) => f.stop()));
    await this.client?.connection.close();
    await this.server.dispose();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
