/** `xpuflow controller`: every Kubernetes controller of xpuflow in the foreground. */
import { Command } from 'commander';
import { CliError } from './cli-error';
import { leaderElectionFromEnv, runControllers } from '../controllers/main';

interface ControllerFlags {
  namespace?: string;
  leaderElect: boolean;
  leaderElectionId?: string;
  leaderElectionNamespace?: string;
  leaseDuration?: string;
  renewDeadline?: string;
  retryPeriod?: string;
  metrics?: string;
}

export function controllerCommand(): Command {
  return new Command('controller')
    .description(
      'run the controllers (DPU, DPUSet, DPUCluster, DPUService, DPUServiceCredentialRequest,\n' +
        'DPUServiceInterface and DPUServiceChain): watch provisioning.xpuflow.dev objects and drive\n' +
        'their workflows; the DPUService, credential and chain controllers stay off, and say so,\n' +
        'when their CRDs are not installed.\n' +
        'Cluster from XPUFLOW_KUBECONFIG, KUBECONFIG or the pod; DMS pods from XPUFLOW_DMS_IMAGE and\n' +
        'XPUFLOW_DMS_BASE_PORT (default 9339; the n-th DPU of a node listens on base + n).\n' +
        'Replicas elect a leader through a coordination.k8s.io Lease (as controller-runtime does):\n' +
        'only the holder runs the controllers; one that cannot renew for --renew-deadline exits.',
    )
    .option(
      '--namespace <ns>',
      'namespace to watch (default $XPUFLOW_WATCH_NAMESPACE, else the kubeconfig context, else default)',
    )
    .option(
      '--no-leader-elect',
      'run without leader election: only ever one replica ($XPUFLOW_LEADER_ELECT=false)',
    )
    .option(
      '--leader-election-id <name>',
      'the Lease (default $XPUFLOW_LEADER_ELECTION_ID, else xpuflow-controller)',
    )
    .option(
      '--leader-election-namespace <ns>',
      "the Lease's namespace (default $XPUFLOW_LEADER_ELECTION_NAMESPACE, else $POD_NAMESPACE, else the watched one)",
    )
    .option(
      '--lease-duration <seconds>',
      'how long a standby waits before taking an unrenewed Lease (default 15)',
    )
    .option(
      '--renew-deadline <seconds>',
      'how long the leader retries a failed renewal before it exits (default 10)',
    )
    .option('--retry-period <seconds>', 'how often the Lease is renewed or tried (default 2)')
    .option(
      '--metrics <host:port>',
      'serve Prometheus /metrics there: whether this replica leads, the Lease last renewed\n' +
        '(default $XPUFLOW_CONTROLLER_METRICS_ADDRESS; none; the chart uses port 9465)',
    )
    .action(async (o: ControllerFlags) => {
      const env = leaderElectionFromEnv();
      const seconds = (flag: string, v: string | undefined, fallback: number) => {
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0)
          throw new CliError(`--${flag} ${JSON.stringify(v)} must be a positive number of seconds`);
        return n;
      };
      await runControllers({
        ...(o.namespace ? { namespace: o.namespace } : {}),
        ...(o.metrics ? { metricsAddress: o.metrics } : {}),
        leaderElection: {
          enabled: env.enabled && o.leaderElect,
          id: o.leaderElectionId ?? env.id,
          ...((o.leaderElectionNamespace ?? env.namespace)
            ? { namespace: o.leaderElectionNamespace ?? env.namespace }
            : {}),
          leaseDurationSeconds: seconds('lease-duration', o.leaseDuration, env.leaseDurationSeconds),
          renewDeadlineSeconds: seconds('renew-deadline', o.renewDeadline, env.renewDeadlineSeconds),
          retryPeriodSeconds: seconds('retry-period', o.retryPeriod, env.retryPeriodSeconds),
        },
      });
    });
}
