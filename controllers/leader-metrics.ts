/**
 * The controller's /metrics (its --metrics address; the chart's port 9465):
 * whether this replica leads, and when the Lease was last renewed as it saw
 * it, so the rule XpuflowControllerNoLeader fires when no replica leads and
 * says since when (charts/xpuflow/templates/_alert-rules.tpl).
 *
 *   xpuflow_controller_leader{lease="<namespace>/<name>"}   1 while this replica holds the Lease
 *   xpuflow_controller_lease_renew_time_seconds{lease=…}    the Lease's spec.renewTime last read or
 *                                                           written here (Unix s); 0 before any read
 *
 * One series of each per replica (lease is the one Lease the replicas share).
 * A standby reads the Lease every retry period, so it follows the leader's
 * renewals; once the leader is gone the value stays at its last renewal.
 * Without leader election (one replica) the leader gauge is 1 once the
 * controllers run, with no lease label, and no renew time is exported.
 */
import { METRIC } from '../platform/observability/metrics';
import type { Gauge } from '../platform/observability/gauge-endpoint';
import type { LeaderElector } from './leader-election';

export function leaderGauges(elector: LeaderElector | undefined, running: () => boolean): Gauge[] {
  const lease = elector?.lease ?? '';
  const leader: Gauge = {
    name: METRIC.controllerLeader,
    help: 'whether this controller replica holds the leader-election Lease and runs the controllers (1) or stands by (0)',
    read: () => [{ labels: { lease }, value: (elector ? elector.isLeader : running()) ? 1 : 0 }],
  };
  if (!elector) return [leader];
  return [
    leader,
    {
      name: METRIC.controllerLeaseRenewTime,
      help: "the leader-election Lease's renewTime as this replica last read or wrote it (Unix seconds; 0: not read yet)",
      read: () => [{ labels: { lease }, value: (elector.observedRenewTime ?? 0) / 1000 }],
    },
  ];
}
