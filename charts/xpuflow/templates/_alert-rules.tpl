{{/*
The alert rules, as the `groups:` of a Prometheus rules file. Rendered into the
PrometheusRule (prometheus-rule.yaml) and, with the default values, into the
plain rules file charts/xpuflow/alerts/xpuflow-rules.yaml
(scripts/render-alert-rules.sh; test/chart/alert-rules.test.ts checks they match
and runs `promtool test rules` on test/alerts/*.test.yaml).

Patterned on DPF's own rules (NVIDIA/doca-platform
deploy/helmfiles/prometheus-rules/dpf-lifecycle.yaml
@551a9e113b1b7f0b65a47134c8f953a822c74564): per-DPU stuck-phase alerts, the Error
phase, a `service` label on every rule. Unlike DPF's `for: 1h` on a phase
series, the stuck-phase expressions compare the phase's start time
(xpuflow_dpu_phase_start_time_seconds) with time(), so the alert fires at the
limit after the DPU entered the phase even when Prometheus started later, and
its value is that start time ("since when").
Prometheus's own templating ({{ $labels.dpu }}) is written inside Go strings.
*/}}

{{/* A duration from values (90s, 30m, 1h) in seconds. */}}
{{- define "xpuflow.durationSeconds" -}}
{{- $n := regexFind "^[0-9]+" . -}}
{{- $unit := trimPrefix $n . -}}
{{- if eq $unit "s" }}{{ int $n }}
{{- else if eq $unit "m" }}{{ mul (int $n) 60 }}
{{- else if eq $unit "h" }}{{ mul (int $n) 3600 }}
{{- else }}{{ fail (printf "alerts.limits: %q is not a duration like 90s, 30m or 1h" .) }}
{{- end -}}
{{- end -}}

{{/*
The current phase starts of each DPU, for a phase selector (`phase="Error"`):
two control workers each export the gauges they last wrote, so a run whose
tasks moved from one worker to the other leaves the first one's at an old
phase. Per DPU, only the exporter whose write is the newest counts
(xpuflow_dpu_phase_written_time_seconds, workflows/metrics/phase-metrics.ts).
*/}}
{{- define "xpuflow.currentPhaseStarts" -}}
(xpuflow_dpu_phase_start_time_seconds{ {{- . -}} } > 0) and ignoring (phase) (xpuflow_dpu_phase_written_time_seconds == on (namespace, dpu, node) group_left max by (namespace, dpu, node) (xpuflow_dpu_phase_written_time_seconds))
{{- end -}}

{{/* The same for rollouts: each rollout's progress from its newest writer; the argument is an offset ("" or " offset 30m"). */}}
{{- define "xpuflow.currentRolloutProgress" -}}
(xpuflow_rollout_progress_ratio{{ . }} and (xpuflow_rollout_progress_written_time_seconds{{ . }} == on (rollout) group_left max by (rollout) (xpuflow_rollout_progress_written_time_seconds{{ . }})))
{{- end -}}

{{- define "xpuflow.alertRules" -}}
{{- $limits := .Values.alerts.limits -}}
{{- /* Each provisioning phase: its values key, its name (model/phases.ts) and what being stuck in it means. */ -}}
{{- $phases := list
  (list "initializing" "Initializing" "the host worker on the node has not finished probing the host")
  (list "nodeEffect" "Node Effect" "the node effect (taint, cordon or drain) has not been applied; a drain waits for pods that do not leave")
  (list "pending" "Pending" "the BFB download has not finished")
  (list "dmsDeployment" "DMS Deployment" "the DMS pod is not ready or DMS does not answer")
  (list "osInstalling" "OS Installing" "the BFB transfer to DMS or the flash has not finished")
  (list "rebooting" "Rebooting" "the DPU has not come back from its reboot (or waits for an operator's reboot-done)")
  (list "hostNetworkConfiguration" "Host Network Configuration" "the host's VFs are not configured")
  (list "dpuClusterConfig" "DPU Cluster Config" "the DPU has not joined its DPU cluster")
-}}
groups:
  - name: xpuflow-dpu
    rules:
{{- range $phases }}
{{- $key := index . 0 }}{{ $name := index . 1 }}{{ $what := index . 2 }}
{{- $limit := get $limits $key }}
      - alert: XpuflowDpuPhaseStuck
        expr: max by (namespace, dpu, node, phase) ({{ include "xpuflow.currentPhaseStarts" (printf "phase=%q" $name) }}) < time() - {{ include "xpuflow.durationSeconds" $limit }}
        labels:
          severity: warning
          service: xpuflow
          phase: {{ $name | quote }}
          limit: {{ $limit | quote }}
        annotations:
          summary: {{ printf "DPU {{ $labels.dpu }} on {{ $labels.node }} has been in %s since {{ $value | humanizeTimestamp }} (limit %s)" $name $limit | quote }}
          description: {{ printf "%s: %s. Look closer with the command below; `xpuflow runs show` tells the run's story." $name $what | quote }}
          command: "xpuflow dpu status {{`{{ $labels.dpu }}`}}"
{{- end }}
      - alert: XpuflowDpuInError
        expr: max by (namespace, dpu, node, phase) ({{ include "xpuflow.currentPhaseStarts" "phase=\"Error\"" }}) < time() - {{ include "xpuflow.durationSeconds" $limits.error }}
        labels:
          severity: warning
          service: xpuflow
          limit: {{ $limits.error | quote }}
        annotations:
          summary: {{ printf "DPU {{ $labels.dpu }} on {{ $labels.node }} has been in Error since {{ $value | humanizeTimestamp }} (limit %s)" $limits.error | quote }}
          description: "A phase failed for good (its retries spent, or a failure no retry fixes); the run waits for an operator's retry, from the failed phase or an earlier one."
          command: "xpuflow dpu status {{`{{ $labels.dpu }}`}}; then xpuflow dpu retry {{`{{ $labels.dpu }}`}}"
  - name: xpuflow-rollouts
    rules:
      - alert: XpuflowRolloutStopped
        expr: max by (rollout) ({{ include "xpuflow.currentRolloutProgress" "" }} < 1) and on (rollout) (changes(max by (rollout) ({{ include "xpuflow.currentRolloutProgress" "" }})[{{ $limits.rolloutStalled }}:1m]) == 0) and on (rollout) max by (rollout) ({{ include "xpuflow.currentRolloutProgress" (printf " offset %s" $limits.rolloutStalled) }})
        labels:
          severity: warning
          service: xpuflow
          limit: {{ $limits.rolloutStalled | quote }}
        annotations:
          summary: {{ printf "rollout {{ $labels.rollout }} has stood at {{ $value | humanizePercentage }} of its DPUs for over %s" $limits.rolloutStalled | quote }}
          description: "The rollout stopped on its failure budget, is paused, or waits on DPUs that do not become ready; its DPUSet's RolloutProgressing condition says which."
          command: "xpuflow runs list --phase Error --since {{ $limits.rolloutStalled }}"
  - name: xpuflow-workers
    rules:
      - alert: XpuflowWorkerDown
        expr: up{job=~{{ .Values.alerts.workerJobs | quote }}} == 0
        for: {{ $limits.workerDown }}
        labels:
          severity: critical
          service: xpuflow
          limit: {{ $limits.workerDown | quote }}
        annotations:
          summary: {{ printf "xpuflow worker {{ $labels.instance }} (job {{ $labels.job }}) has not answered a scrape for over %s" $limits.workerDown | quote }}
          description: "A worker that is down polls no task queue: the DPUs routed to its queue (xpuflow-host-<node>, xpuflow-dpu-<dpu>) wait until their schedule-to-start bound turns the wait into an Error naming the queue."
          command: "xpuflow runs list --status Running --since 1h"
      - alert: XpuflowTaskScheduleToStartSlow
        expr: histogram_quantile(0.99, sum by (le, namespace, task_queue) (rate(temporal_activity_schedule_to_start_latency_bucket[5m]))) > {{ include "xpuflow.durationSeconds" $limits.scheduleToStart }}
        labels:
          severity: warning
          service: xpuflow
          limit: {{ $limits.scheduleToStart | quote }}
        annotations:
          summary: {{ printf "activities on task queue {{ $labels.task_queue }} wait {{ $value | humanizeDuration }} (p99, 5m) for a worker to pick them up (limit %s)" $limits.scheduleToStart | quote }}
          description: "Too few pollers or slots on this queue: its worker is restarting, overloaded (maxTransfers), or polls a different namespace."
          command: "xpuflow runs list --status Running --since 1h"
  - name: xpuflow-credentials
    rules:
      - alert: XpuflowCredentialRenewalFailing
        expr: (sum by (namespace, request) (increase(xpuflow_credential_issue_failures[{{ $limits.credentialRenewal }}])) > 0) unless on (namespace, request) (sum by (namespace, request) (increase(xpuflow_credential_issued[{{ $limits.credentialRenewal }}])) > 0)
        for: {{ $limits.credentialRenewal }}
        labels:
          severity: warning
          service: xpuflow
          limit: {{ $limits.credentialRenewal | quote }}
        annotations:
          summary: {{ printf "credential request {{ $labels.namespace }}/{{ $labels.request }}: its token issue attempts have failed for over %s with none succeeding ({{ $value | humanize }} failures over the last %s)" $limits.credentialRenewal $limits.credentialRenewal | quote }}
          description: "Its token is not renewed (or was never issued): the request's Ready condition names the failure (a target DPUCluster that does not answer, a ServiceAccount owned elsewhere, rights missing in the target cluster). The token issued last stops working when it expires."
          command: {{ printf "xpuflow runs show $(kubectl -n {{ $labels.namespace }} get dpuservicecredentialrequests {{ $labels.request }} -o jsonpath={.status.workflowId})" | quote }}
  - name: xpuflow-vf
    rules:
      - alert: XpuflowVfLeasePodGone
        expr: min by (node) (xpuflow_vf_leases_pod_gone_since_seconds > 0) < time() - {{ include "xpuflow.durationSeconds" $limits.vfLeasePodGone }}
        labels:
          severity: warning
          service: xpuflow
          limit: {{ $limits.vfLeasePodGone | quote }}
        annotations:
          summary: {{ printf "node {{ $labels.node }} holds {{ with printf `max(xpuflow_vf_leases_pod_gone{node=%%q})` $labels.node | query }}{{ . | first | value }}{{ end }} VF lease(s) for pods that no longer exist, the oldest since {{ $value | humanizeTimestamp }} (limit %s)" $limits.vfLeasePodGone | quote }}
          description: "The host worker's lease collector asked these leases to release (their pods went away without a CNI DEL), but the release has not finished: its undo (the OVS port, the VF netdev) fails, or no control worker runs the lease workflow. Their VFs stay out of the pool."
          command: "xpuflow vf leases --node {{`{{ $labels.node }}`}}"
  - name: xpuflow-controllers
    rules:
      - alert: XpuflowControllerNoLeader
        expr: max by (lease) (xpuflow_controller_lease_renew_time_seconds) and on (lease) (max by (lease) (xpuflow_controller_leader) == 0)
        for: {{ $limits.controllerNoLeader }}
        labels:
          severity: critical
          service: xpuflow
          limit: {{ $limits.controllerNoLeader | quote }}
        annotations:
          summary: {{ printf "no xpuflow controller replica has led Lease {{ $labels.lease }} for over %s; it was last renewed {{ if gt $value 0.0 }}at {{ $value | humanizeTimestamp }}{{ else }}never, as the replicas read it{{ end }}" $limits.controllerNoLeader | quote }}
          description: "Without a leader no DPU, DPUSet or credential object is acted on. The standing-by replicas log why: the Lease held by a replica that is gone (they wait out its leaseDurationSeconds), or the Lease cannot be read or written (the service account's rights, the API server)."
          command: "xpuflow doctor"
{{- end -}}
