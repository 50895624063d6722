/**
 * The alert rules evaluated by a real Prometheus (Debian's package) scraping
 * the real control worker and host-workers processes of a one-DPU fleet on
 * the dev server, with the chart's rules rendered by helm with limits scaled
 * down (OS Installing 8 s, Error 2 s, worker down 1 s):
 * - DMS's Install hangs (the simulator's HANG fault): XpuflowDpuPhaseStuck
 *   fires for OS Installing, naming the DPU, its node, since when and the
 *   command to look closer;
 * - the hung transfer is released and fails its integrity check: the DPU is
 *   in Error, the stuck alert resolves and XpuflowDpuInError fires;
 * - `xpuflow dpu retry`: the DPU reaches Ready and the Error alert resolves;
 * - the host-workers process stops: XpuflowWorkerDown fires for it;
 * - two controller processes (a real kube-apiserver) find their Lease held by
 *   a replica that is gone, with an hour's leaseDurationSeconds: neither
 *   leads, XpuflowControllerNoLeader fires saying when the Lease was last
 *   renewed; the Lease removed, one leads and the alert resolves.
 * It also proves the series the rules name are the ones the workers and the
 * controllers export.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { spawnController, type WorkerProcess } from '../../cli/demo/worker-processes';
import { KubeApiservers, type KubeCluster } from '../../sim/kube/apiservers';
import { installCrds } from '../../sim/kube/crds';
import { startProvision } from '../../cli/dpu/start-provision';
import { Phase } from '../../model/phases';
import { freePort } from '../../sim/free-port';
import type { SimFleet } from '../../sim/fleet';
import { renderChart } from '../chart/helm';
import { requirePrerequisites } from '../support/prerequisites';
import { startPrometheus, type ApiAlert, type PrometheusServer } from '../support/prometheus-server';
import { distFile } from '../support/tools';
import { CONTROLLER_SERIES, SDK_SERIES, XPUFLOW_SERIES } from '../support/exported-series';
import { METRIC } from '../../platform/observability/metrics';
import { Harness } from './fleet-harness';

jest.setTimeout(120_000);

const { describe } = requirePrerequisites('the end-to-end alert test', ['prometheus']);

/** The controllers' namespace and Lease (the chart's: <fullname>-controller in the release namespace). */
const LEASE_NS = 'xpuflow-alerts';
const LEASE = 'xpuflow-controller';

describe('alerts from a real Prometheus', () => {
  let h: Harness;
  let fleet: SimFleet;
  let prom: PrometheusServer;
  let controlMetrics = '';
  let hostMetrics = '';
  const apis = new KubeApiservers();
  let kube: KubeCluster;
  let controllerMetrics: string[] = [];
  const controllers: WorkerProcess[] = [];
  /** When the gone replica last renewed the Lease (what the alert says). */
  const goneRenewedAt = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    controlMetrics = `127.0.0.1:${await freePort()}`;
    hostMetrics = `127.0.0.1:${await freePort()}`;
    controllerMetrics = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    h = new Harness({
      controlEnv: { XPUFLOW_METRICS_ADDRESS: controlMetrics },
      hostEnv: { XPUFLOW_METRICS_ADDRESS: hostMetrics },
    });
    await h.start();
    fleet = await h.fleet('alerts', {
      hosts: 1,
      dpusPerHost: 1,
      flashMs: 1_000,
      rebootMs: 500,
      bfbSizeBytes: 2 ** 20,
      timing: { expectedFlashSeconds: 1, pollInitialSeconds: 1, pollMaxSeconds: 1, rebootDelaySeconds: 1 },
    });
    // The controllers' cluster, and their Lease held by a replica that is gone, with an hour's lease.
    [kube] = await apis.start(['host']);
    await installCrds(kube.kc);
    await kube.kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: LEASE_NS } } });
    await kube.kc.makeApiClient(k8s.CoordinationV1Api).createNamespacedLease({
      namespace: LEASE_NS,
      body: {
        metadata: { name: LEASE, namespace: LEASE_NS },
        spec: {
          holderIdentity: 'gone-replica',
          leaseDurationSeconds: 3600,
          acquireTime: new k8s.V1MicroTime(goneRenewedAt.toISOString()),
          renewTime: new k8s.V1MicroTime(goneRenewedAt.toISOString()),
          leaseTransitions: 0,
        },
      },
    });
    controllerMetrics.forEach((address, n) =>
      controllers.push(
        spawnController({
          logFile: path.join(h.dir, `controller-${n + 1}.log`),
          env: {
            ...h.env,
            XPUFLOW_KUBECONFIG: kube.kubeconfigPath,
            XPUFLOW_WATCH_NAMESPACE: LEASE_NS,
            XPUFLOW_LEADER_ELECTION_ID: LEASE,
            XPUFLOW_LEADER_ELECTION_NAMESPACE: LEASE_NS,
            XPUFLOW_LEASE_DURATION_SECONDS: '4',
            XPUFLOW_RENEW_DEADLINE_SECONDS: '3',
            XPUFLOW_RETRY_PERIOD_SECONDS: '1',
            XPUFLOW_CONTROLLER_METRICS_ADDRESS: address,
          },
        }),
      ),
    );
    const rule = renderChart({
      'alerts.prometheusRule.enabled': 'true',
      'alerts.limits.osInstalling': '8s',
      'alerts.limits.error': '2s',
      'alerts.limits.workerDown': '1s',
      'alerts.limits.controllerNoLeader': '2s',
    }).find((o) => o.kind === 'PrometheusRule');
    prom = await startPrometheus({
      jobs: {
        'xpuflow-control': [controlMetrics],
        'xpuflow-host-workers': [hostMetrics],
        'xpuflow-controller': controllerMetrics,
      },
      rules: rule!.spec,
    });
  });
  afterAll(async () => {
    await Promise.all(controllers.map((c) => c.stop(5_000)));
    await prom?.stop();
    await h?.dispose();
    await apis.stop();
  });

  async function waitForAlert(
    what: string,
    pred: (alerts: ApiAlert[]) => ApiAlert | boolean | undefined,
    timeoutMs = 30_000,
  ): Promise<ApiAlert[]> {
    const deadline = Date.now() + timeoutMs;
    let alerts: ApiAlert[] = [];
    while (Date.now() < deadline) {
      alerts = await prom.alerts();
      if (pred(alerts)) return alerts;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(
      `timed out waiting for ${what}; Prometheus's alerts: ${JSON.stringify(alerts)}\n${h.logs()}`,
    );
  }
  const firing = (alerts: ApiAlert[], name: string, dpu: string) =>
    alerts.find((a) => a.state === 'firing' && a.labels.alertname === name && a.labels.dpu === dpu);

  test('a DPU hung in OS Installing fires XpuflowDpuPhaseStuck; Error, then a retry, resolve it in turn', async () => {
    const [d] = fleet.dpus;
    const dpu = d.spec.name;
    d.dms.injectFault({ kind: 'HANG', rpcs: ['Install'] });
    await startProvision(h.client, d.spec);

    const stuck = firing(
      await waitForAlert('OS Installing stuck', (a) => firing(a, 'XpuflowDpuPhaseStuck', dpu)),
      'XpuflowDpuPhaseStuck',
      dpu,
    )!;
    expect(stuck.labels).toMatchObject({ phase: Phase.OsInstalling, node: d.spec.node, limit: '8s' });
    expect(stuck.annotations.summary).toMatch(
      new RegExp(
        `^DPU ${dpu} on ${d.spec.node} has been in OS Installing since \\d{4}-\\d\\d-\\d\\d [\\d:.]+ \\+0000 UTC \\(limit 8s\\)$`,
      ),
    );
    expect(stuck.annotations.command).toBe(`xpuflow dpu status ${dpu}`);
    expect((await h.status(dpu)).phase).toBe(Phase.OsInstalling);

    // The hung transfer goes on and fails its integrity check: the DPU parks in Error.
    d.dms.clearFaults();
    d.dms.injectFault({ kind: 'INTEGRITY_FAIL' });
    await h.waitAll([dpu], (s) => s.phase === Phase.Error, 30_000);
    const inError = await waitForAlert(
      'XpuflowDpuInError',
      (a) =>
        firing(a, 'XpuflowDpuInError', dpu) && !a.some((x) => x.labels.alertname === 'XpuflowDpuPhaseStuck'),
    );
    expect(firing(inError, 'XpuflowDpuInError', dpu)!.annotations.command).toBe(
      `xpuflow dpu status ${dpu}; then xpuflow dpu retry ${dpu}`,
    );

    const retry = await promisify(execFile)(
      process.execPath,
      [distFile('cli/main.js'), 'dpu', 'retry', dpu],
      {
        env: { ...process.env, ...h.env },
      },
    );
    expect(retry.stdout).toContain(`${dpu}: retry 1 restarts from`);
    await h.waitAll([dpu], (s) => s.phase === Phase.Ready, 30_000);
    await waitForAlert('no alert for the DPU', (a) => !a.some((x) => x.labels.dpu === dpu));
  });

  test('the series the rules read are the ones the workers export', async () => {
    const targets = await prom.query('up');
    expect(targets.map((t) => [t.metric.job, t.metric.instance, t.value]).sort()).toEqual(
      [
        ['xpuflow-control', controlMetrics, 1],
        ['xpuflow-host-workers', hostMetrics, 1],
        ...controllerMetrics.map((c) => ['xpuflow-controller', c, 1]),
      ].sort(),
    );
    const [d] = fleet.dpus;
    // The last phase change reaches /metrics with the worker's next export and Prometheus's next scrape.
    const inPhase = async () =>
      (await prom.query(`xpuflow_dpu_phase_start_time_seconds{dpu="${d.spec.name}"} > 0`)).map(
        (s) => s.metric.phase,
      );
    const deadline = Date.now() + 10_000;
    while ((await inPhase()).join() !== Phase.Ready && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    expect(await inPhase()).toEqual([Phase.Ready]);
    // Every other phase, Error and OS Installing included, is back to 0 (not left at its old start).
    const zero = await prom.query(`xpuflow_dpu_phase_start_time_seconds{dpu="${d.spec.name}"} == 0`);
    expect(zero.map((s) => s.metric.phase).sort()).toEqual(
      Object.values(Phase)
        .filter((p) => p !== Phase.Ready)
        .sort(),
    );
    // Every series the dashboard and the rules read that a provisioning run produces is there,
    // under the name they use (a rollout's and the VF leases' need a DPUSet and a VF host).
    const notFromThisRun = new Set<string>([
      METRIC.rolloutProgress,
      METRIC.rolloutWrittenTime,
      METRIC.vfLeasesHeld,
      METRIC.vfLeasesPodGone,
      METRIC.vfLeasesPodGoneSince,
      METRIC.credentialIssued,
      METRIC.credentialIssueFailures,
    ]);
    const missing: string[] = [];
    for (const name of [...XPUFLOW_SERIES, ...SDK_SERIES].filter((n) => !notFromThisRun.has(n)))
      if ((await prom.query(`count(${name})`)).length === 0) missing.push(name);
    expect(missing).toEqual([]);
    // The controllers' series, one per replica, under the Lease's namespace/name.
    for (const name of CONTROLLER_SERIES)
      expect((await prom.query(name)).map((s) => [s.metric.instance, s.metric.lease]).sort()).toEqual(
        controllerMetrics.map((c) => [c, `${LEASE_NS}/${LEASE}`]).sort(),
      );
    const s2s = await prom.query(
      'count by (task_queue) (temporal_activity_schedule_to_start_latency_bucket)',
    );
    expect(s2s.map((s) => s.metric.task_queue).sort()).toEqual(
      expect.arrayContaining(['xpuflow-control', `xpuflow-host-${d.spec.node}`]),
    );
  });

  test('no controller replica leading fires XpuflowControllerNoLeader with the Lease last renewed; with the stale Lease gone one leads and it resolves', async () => {
    const lease = `${LEASE_NS}/${LEASE}`;
    const noLeader = (a: ApiAlert[]) =>
      a.find(
        (x) =>
          x.state === 'firing' &&
          x.labels.alertname === 'XpuflowControllerNoLeader' &&
          x.labels.lease === lease,
      );
    const alert = noLeader(await waitForAlert('XpuflowControllerNoLeader', noLeader))!;
    expect(alert.labels).toMatchObject({ severity: 'critical', limit: '2s' });
    // Its value is the gone replica's last renewal, as the standing-by replicas read it.
    expect(Math.abs(Number(alert.value) - goneRenewedAt.getTime() / 1000)).toBeLessThan(0.01);
    expect(alert.annotations.summary).toMatch(
      new RegExp(
        `^no xpuflow controller replica has led Lease ${lease} for over 2s; it was last renewed at \\d{4}-\\d\\d-\\d\\d [\\d:.]+ \\+0000 UTC$`,
      ),
    );
    expect(alert.annotations.command).toBe('xpuflow doctor');
    expect((await prom.query('xpuflow_controller_leader')).map((s) => s.value)).toEqual([0, 0]);

    // An operator removes the stale Lease: one replica creates it and leads; the alert resolves.
    await kube.kc
      .makeApiClient(k8s.CoordinationV1Api)
      .deleteNamespacedLease({ name: LEASE, namespace: LEASE_NS });
    await waitForAlert(
      'XpuflowControllerNoLeader to resolve',
      (a) => !a.some((x) => x.labels.alertname === 'XpuflowControllerNoLeader'),
    );
    expect((await prom.query('sum(xpuflow_controller_leader)')).map((s) => s.value)).toEqual([1]);
  });

  test('a host-workers process that stops fires XpuflowWorkerDown for its target', async () => {
    await h.hostWorker('alerts').stop(5_000);
    const alerts = await waitForAlert('XpuflowWorkerDown', (a) =>
      a.some((x) => x.state === 'firing' && x.labels.alertname === 'XpuflowWorkerDown'),
    );
    expect(
      alerts
        .filter((a) => a.labels.alertname === 'XpuflowWorkerDown')
        .map((a) => [a.labels.instance, a.labels.job]),
    ).toEqual([[hostMetrics, 'xpuflow-host-workers']]);
  });
});
