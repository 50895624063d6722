{{/* Names, labels and the Temporal settings of the DPU worker chart (the same layout as charts/xpuflow's). */}}

{{- define "xpuflow-dpu-worker.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: the release name, with the chart name unless it already holds it. */}}
{{- define "xpuflow-dpu-worker.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "xpuflow-dpu-worker.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "xpuflow-dpu-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: xpuflow
app.kubernetes.io/component: dpu-worker
{{- end -}}

{{- define "xpuflow-dpu-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "xpuflow-dpu-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: dpu-worker
{{- end -}}

{{- define "xpuflow-dpu-worker.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The Temporal envconfig variables (platform/connection/temporal.ts); TLS and API key only when given. */}}
{{- define "xpuflow-dpu-worker.temporalEnv" -}}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address must be the host:port of the Temporal frontend as the DPU cluster reaches it (charts/xpuflow sets it from dpuWorker.temporalAddress or temporal.address)" .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
{{- if .Values.temporal.tlsSecret }}
- name: TEMPORAL_TLS
  value: "true"
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/xpuflow/temporal-tls/tls.crt
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/xpuflow/temporal-tls/tls.key
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/xpuflow/temporal-tls/ca.crt
{{- end }}
{{- if .Values.temporal.tlsServerName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ .Values.temporal.tlsServerName | quote }}
{{- end }}
{{- if .Values.temporal.apiKeySecret.name }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.temporal.apiKeySecret.name | quote }}
      key: {{ .Values.temporal.apiKeySecret.key | quote }}
{{- end }}
{{- end -}}
