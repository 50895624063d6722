/**
 * Entry point of the controller process (`xpuflow controller`).
 *   XPUFLOW_KUBECONFIG / KUBECONFIG / in-cluster  the cluster of DPU objects
 *   XPUFLOW_WATCH_NAMESPACE                        namespace to watch (default: the kubeconfig's, else default)
 *   XPUFLOW_DMS_BASE_PORT, XPUFLOW_DMS_IMAGE       where DMS pods listen, and their image
 *   XPUFLOW_TIMING                                 JSON ProvisionTiming overrides (simulated fleets)
 *   XPUFLOW_LEADER_ELECT                           'false' runs without leader election (one replica only)
 *   XPUFLOW_LEADER_ELECTION_ID / _NAMESPACE        the Lease (default xpuflow-controller, in $POD_NAMESPACE,
 *                                                  else the watched namespace)
 *   XPUFLOW_LEASE_DURATION_SECONDS, XPUFLOW_RENEW_DEADLINE_SECONDS, XPUFLOW_RETRY_PERIOD_SECONDS
 *                                                  leader election timings (default 15, 10, 2: controller-runtime's)
 *   XPUFLOW_CONTROLLER_METRICS_ADDRESS             host:port of its Prometheus /metrics (leader-metrics.ts); none: no endpoint
 * Temporal connection settings come from the environment (see platform/connection/temporal.ts).
 */
import { connectClient, temporalSettings } from '../platform/connection/temporal';
import { kubeConfigFromEnv } from '../platform/kube/config';
import { startControllers } from './manager';
import { startGaugeEndpoint, type GaugeEndpoint } from '../platform/observability/gauge-endpoint';
import { checkMetricsAddress } from '../platform/observability/runtime';
import { LEADER_ELECTION_DEFAULTS, LeaderElector, checkLeaderElectionTimings } from './leader-election';
import { leaderGauges } from './leader-metrics';

export interface LeaderElectionOptions {
  enabled: boolean;
  id: string;
  namespace?: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/** A positive number from the environment, or `fallback`; anything else names the variable. */
function secondsFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${name}=${JSON.stringify(raw)} must be a positive number of seconds`);
  return n;
}

/** Leader election settings from the environment (flags of `xpuflow controller` override them). */
export function leaderElectionFromEnv(): LeaderElectionOptions {
  const d = LEADER_ELECTION_DEFAULTS;
  const enabled = process.env.XPUFLOW_LEADER_ELECT ?? 'true';
  if (enabled !== 'true' && enabled !== 'false')
    throw new Error(`XPUFLOW_LEADER_ELECT=${JSON.stringify(enabled)} must be true or false`);
  return {
    enabled: enabled === 'true',
    id: process.env.XPUFLOW_LEADER_ELECTION_ID || 'xpuflow-controller',
    ...(process.env.XPUFLOW_LEADER_ELECTION_NAMESPACE || process.env.POD_NAMESPACE
      ? { namespace: process.env.XPUFLOW_LEADER_ELECTION_NAMESPACE || process.env.POD_NAMESPACE }
      : {}),
    leaseDurationSeconds: secondsFromEnv('XPUFLOW_LEASE_DURATION_SECONDS', d.leaseDurationSeconds),
    renewDeadlineSeconds: secondsFromEnv('XPUFLOW_RENEW_DEADLINE_SECONDS', d.renewDeadlineSeconds),
    retryPeriodSeconds: secondsFromEnv('XPUFLOW_RETRY_PERIOD_SECONDS', d.retryPeriodSeconds),
  };
}

/**
 * Runs the controllers until SIGTERM/SIGINT. With leader election (the
 * default) they start only once this process holds the Lease; a lost Lease
 * exits the process with status 1 at once (controller-runtime's default:
 * another replica may already be leading), and a graceful stop releases it
 * after the controllers have stopped.
 */
export async function runControllers(
  opts: { namespace?: string; leaderElection?: LeaderElectionOptions; metricsAddress?: string } = {},
): Promise<void> {
  // Bad timings and a bad metrics address are refused before anything connects.
  const election = opts.leaderElection ?? leaderElectionFromEnv();
  const badTimings = election.enabled ? checkLeaderElectionTimings(election) : undefined;
  if (badTimings) throw new Error(`leader election: ${badTimings}`);
  const metricsAddress = opts.metricsAddress ?? (process.env.XPUFLOW_CONTROLLER_METRICS_ADDRESS || undefined);
  const badAddress = metricsAddress ? checkMetricsAddress(metricsAddress) : undefined;
  if (badAddress) throw new Error(badAddress);
  const kc = kubeConfigFromEnv();
  if (!kc) {
    throw new Error(
      'no Kubernetes cluster configured: set XPUFLOW_KUBECONFIG (or KUBECONFIG), or run in a pod',
    );
  }
  const settings = temporalSettings();
  const temporal = await connectClient(settings);
  const namespace =
    opts.namespace ??
    process.env.XPUFLOW_WATCH_NAMESPACE ??
    kc.getContextObject(kc.getCurrentContext())?.namespace ??
    'default';
  const log = (l: string) => console.log(JSON.stringify({ component: 'controller', msg: l }));
  const elector = election.enabled
    ? new LeaderElector({
        kc,
        namespace: election.namespace ?? namespace,
        name: election.id,
        leaseDurationSeconds: election.leaseDurationSeconds,
        renewDeadlineSeconds: election.renewDeadlineSeconds,
        retryPeriodSeconds: election.retryPeriodSeconds,
        log,
      })
    : undefined;
  // The endpoint comes up before the election, so a standby says it stands by.
  let controllersRunning = false;
  const metrics: GaugeEndpoint | undefined = metricsAddress
    ? await startGaugeEndpoint(
        metricsAddress,
        leaderGauges(elector, () => controllersRunning),
      )
    : undefined;
  if (metrics) log(`metrics on http://${metrics.address}/metrics`);
  const closeAll = async () => {
    await metrics?.close();
    await temporal.connection.close();
  };
  let signalled = false;
  const stopRequested = new Promise<'stop'>((resolve) => {
    const stop = () => {
      signalled = true;
      elector?.stop();
      resolve('stop');
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  if (elector && !(await elector.acquire())) {
    await closeAll();
    return;
  }
  if (signalled) {
    await elector?.release();
    await closeAll();
    return;
  }
  const running = await startControllers({
    kc,
    temporal,
    namespace,
    ...(process.env.XPUFLOW_DMS_BASE_PORT ? { dmsBasePort: Number(process.env.XPUFLOW_DMS_BASE_PORT) } : {}),
    ...(process.env.XPUFLOW_DMS_IMAGE ? { dmsImage: process.env.XPUFLOW_DMS_IMAGE } : {}),
    ...(process.env.XPUFLOW_TIMING
      ? { timing: JSON.parse(process.env.XPUFLOW_TIMING) as Record<string, number> }
      : {}),
    ...(process.env.XPUFLOW_READY_TIMEOUT_SECONDS
      ? { readyTimeoutSeconds: Number(process.env.XPUFLOW_READY_TIMEOUT_SECONDS) }
      : {}),
    workflowUrlBase: `${settings.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/`,
    log,
  });
  controllersRunning = true;
  const ended = await Promise.race([stopRequested, elector ? elector.renewUntilLost() : stopRequested]);
  if (ended === 'lost') {
    // As controller-runtime: stop at once, without waiting for the controllers, since another replica may lead.
    console.error(
      `controller: leader election lost (Lease ${election.id}); exiting so a fresh process stands again`,
    );
    process.exit(1);
  }
  await running.stop();
  controllersRunning = false;
  await elector?.release();
  await closeAll();
}

if (require.main === module) {
  runControllers().catch((err) => {
    console.error(`controller: ${(err as Error).message}`);
    process.exit(1);
  });
}
