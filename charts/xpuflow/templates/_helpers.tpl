{{/* Names and labels shared by every template. */}}

{{- define "xpuflow.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: the release name, with the chart name unless it already holds it. */}}
{{- define "xpuflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "xpuflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "xpuflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: xpuflow
{{- end -}}

{{/* Selector labels of one component: pass (dict "root" $ "component" "controller"). */}}
{{- define "xpuflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "xpuflow.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "xpuflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "xpuflow.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The namespace the controller watches, and where it may read DPUCluster kubeconfig Secrets. */}}
{{- define "xpuflow.watchNamespace" -}}
{{- default .Release.Namespace .Values.controller.watchNamespace -}}
{{- end -}}

{{- define "xpuflow.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
Temporal connection environment, the envconfig variables every xpuflow
process reads (connection/temporal.ts). TLS and API key only when given.
*/}}
{{- define "xpuflow.temporalEnv" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
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
{{- if .Values.temporal.uiUrl }}
- name: XPUFLOW_UI_URL
  value: {{ .Values.temporal.uiUrl | quote }}
{{- end }}
{{- end -}}

{{/* Only where .Values.temporal.tlsSecret is set. */}}
{{- define "xpuflow.temporalTlsVolumeMount" -}}
- name: temporal-tls
  mountPath: /etc/xpuflow/temporal-tls
  readOnly: true
{{- end -}}

{{/* Only where .Values.temporal.tlsSecret is set. */}}
{{- define "xpuflow.temporalTlsVolume" -}}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tlsSecret | quote }}
    items:
      - { key: tls.crt, path: tls.crt }
      - { key: tls.key, path: tls.key }
      - { key: ca.crt, path: ca.crt }
{{- end -}}

{{/* The node's name from the downward API, as NODE_NAME (used in the worker args as $(NODE_NAME)). */}}
{{- define "xpuflow.nodeNameEnv" -}}
- name: NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
{{- end -}}

{{- define "xpuflow.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* A worker's Prometheus endpoint (values metrics:): its address, read by installWorkerRuntime. */}}
{{- define "xpuflow.metricsEnv" -}}
{{- if .Values.metrics.enabled -}}
- name: XPUFLOW_METRICS_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int .Values.metrics.port) | quote }}
{{- end }}
{{- end -}}

{{/* The controller's own metrics endpoint (leader gauges), on metrics.controllerPort. */}}
{{- define "xpuflow.controllerMetricsEnv" -}}
{{- if .Values.metrics.enabled -}}
- name: XPUFLOW_CONTROLLER_METRICS_ADDRESS
  value: {{ printf "0.0.0.0:%d" (int .Values.metrics.controllerPort) | quote }}
{{- end }}
{{- end -}}

{{- define "xpuflow.controllerMetricsPort" -}}
{{- if .Values.metrics.enabled -}}
ports:
  - name: metrics
    containerPort: {{ .Values.metrics.controllerPort }}
    protocol: TCP
{{- end }}
{{- end -}}

{{/* A worker's metrics port as one entry of a container's ports list (empty when metrics are off). */}}
{{- define "xpuflow.metricsPortEntry" -}}
{{- if .Values.metrics.enabled -}}
- name: metrics
  containerPort: {{ .Values.metrics.port }}
  protocol: TCP
{{- end }}
{{- end -}}

{{/* A worker's ports block when it has only the metrics port (empty when metrics are off). */}}
{{- define "xpuflow.metricsPort" -}}
{{- with include "xpuflow.metricsPortEntry" . -}}
ports:
  {{- . | nindent 2 }}
{{- end }}
{{- end -}}
