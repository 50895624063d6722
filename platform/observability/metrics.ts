/**
 * xpuflow's own metrics, beside the SDK's, on the worker's Prometheus
 * endpoint (`/metrics`, address from --metrics or XPUFLOW_METRICS_ADDRESS):
 *
 *   xpuflow_phase_duration_seconds{phase,result}   histogram, recorded by the workflow (workflows/metrics/)
 *   xpuflow_dpu_phase_start_time_seconds{namespace,dpu,node,phase}
 *                                                  gauge, when the DPU entered its phase; 0 once left (workflow)
 *   xpuflow_dpu_phase_written_time_seconds{namespace,dpu,node}
 *                                                  gauge, when this worker last wrote those (the newest writer is current)
 *   xpuflow_flash_bytes_total{dpu}                 counter, BFB bytes sent to DMS
 *   xpuflow_flash_throughput_bytes_per_second      histogram, per transfer (bytes / activity time, waits included)
 *   xpuflow_vf_leases_held{node}                   gauge, VF leases this host worker holds
 *   xpuflow_vf_leases_pod_gone{node}               gauge, of those, leases held for pods that no longer exist
 *   xpuflow_vf_leases_pod_gone_since_seconds{node} gauge, when the oldest of them was first seen so; 0: none
 *   xpuflow_rollout_progress_ratio{rollout}        gauge, share of a rollout's DPUs done
 *   xpuflow_credential_issued{namespace,request}   counter, service credential tokens issued (workflow)
 *   xpuflow_credential_issue_failures{namespace,request}
 *                                                  counter, issue attempts that failed (workflow)
 *   xpuflow_rollout_progress_written_time_seconds{rollout}
 *                                                  gauge, when this worker last wrote it (the newest writer is current)
 *
 * The controller serves its own endpoint (controllers/leader-metrics.ts, its --metrics):
 *   xpuflow_controller_leader{lease}               gauge, 1 while this replica holds the Lease, else 0
 *   xpuflow_controller_lease_renew_time_seconds{lease}
 *                                                  gauge, the Lease's renewTime as this replica last saw it
 *
 * The rollout gauge is fed by DpuSetRollout's status reports (activities/kube);
 * the VF-lease gauge by the host worker's lease collector (node/hostagent/collector.ts).
 */
import { Runtime } from '@temporalio/worker';

export const METRIC = {
  phaseDuration: 'xpuflow_phase_duration_seconds',
  phaseStartTime: 'xpuflow_dpu_phase_start_time_seconds',
  phaseWrittenTime: 'xpuflow_dpu_phase_written_time_seconds',
  flashBytes: 'xpuflow_flash_bytes',
  flashThroughput: 'xpuflow_flash_throughput_bytes_per_second',
  vfLeasesHeld: 'xpuflow_vf_leases_held',
  vfLeasesPodGone: 'xpuflow_vf_leases_pod_gone',
  vfLeasesPodGoneSince: 'xpuflow_vf_leases_pod_gone_since_seconds',
  rolloutProgress: 'xpuflow_rollout_progress_ratio',
  rolloutWrittenTime: 'xpuflow_rollout_progress_written_time_seconds',
  credentialIssued: 'xpuflow_credential_issued',
  credentialIssueFailures: 'xpuflow_credential_issue_failures',
  controllerLeader: 'xpuflow_controller_leader',
  controllerLeaseRenewTime: 'xpuflow_controller_lease_renew_time_seconds',
} as const;

/** Buckets that fit a DPU's times (a phase lasts seconds to an hour) and a BFB transfer's rate. */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [METRIC.phaseDuration]: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
  [METRIC.flashThroughput]: [
    2 ** 20,
    4 * 2 ** 20,
    16 * 2 ** 20,
    32 * 2 ** 20,
    64 * 2 ** 20,
    128 * 2 ** 20,
    256 * 2 ** 20,
    1024 * 2 ** 20,
  ],
};

function meter() {
  return Runtime.instance().metricMeter;
}

export function recordFlash(dpu: string, bytes: number, seconds: number): void {
  meter().createCounter(METRIC.flashBytes, 'bytes', 'BFB bytes sent to DMS').add(bytes, { dpu });
  if (seconds > 0)
    meter()
      .createHistogram(
        METRIC.flashThroughput,
        'float',
        '',
        'BFB transfer throughput to DMS, bytes per second',
      )
      .record(bytes / seconds, { dpu });
}

export function setVfLeasesHeld(node: string, leases: number): void {
  meter().createGauge(METRIC.vfLeasesHeld, 'int', '', 'VF leases held on this host').set(leases, { node });
}

/**
 * Any control worker may run a rollout's report; the one that stopped running
 * them keeps its last ratio, so readers take the newest writer's (see
 * workflows/metrics/phase-metrics.ts for the same on the phase gauges).
 */
/** Leases of this node held for pods that no longer exist (node/hostagent/pod-gone-leases.ts). */
export function setVfLeasesPodGone(node: string, leases: number, sinceMs: number | undefined): void {
  meter()
    .createGauge(
      METRIC.vfLeasesPodGone,
      'int',
      '',
      'VF leases on this host held for pods that no longer exist',
    )
    .set(leases, { node });
  meter()
    .createGauge(
      METRIC.vfLeasesPodGoneSince,
      'float',
      's',
      'when the oldest VF lease held for a pod that no longer exists was first seen so (Unix seconds); 0: none',
    )
    .set(sinceMs === undefined ? 0 : sinceMs / 1000, { node });
}

export function setRolloutProgress(rollout: string, ratio: number): void {
  meter()
    .createGauge(METRIC.rolloutProgress, 'float', '', "share of a rollout's DPUs done")
    .set(ratio, { rollout });
  meter()
    .createGauge(
      METRIC.rolloutWrittenTime,
      'float',
      's',
      "when this worker last wrote the rollout's progress (Unix seconds)",
    )
    .set(Date.now() / 1000, { rollout });
}
