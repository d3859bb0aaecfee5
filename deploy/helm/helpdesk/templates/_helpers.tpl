{{/*
The release's full name, truncated to leave room for the "-<process>" suffixes (the
longest, "-knowledge", is 10 characters; Service names are at most 63).
*/}}
{{- define "helpdesk.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "helpdesk.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "helpdesk.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every object of the release carries. */}}
{{- define "helpdesk.labels" -}}
helm.sh/chart: {{ include "helpdesk.chart" . }}
{{ include "helpdesk.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: helpdesk
{{- end -}}

{{/* What selects the release's pods (all five processes). */}}
{{- define "helpdesk.selectorLabels" -}}
app.kubernetes.io/name: {{ include "helpdesk.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of one process's objects; call with (dict "root" $ "component" "intake"). */}}
{{- define "helpdesk.componentLabels" -}}
{{ include "helpdesk.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* What selects one process's pods; call with (dict "root" $ "component" "intake"). */}}
{{- define "helpdesk.componentSelectorLabels" -}}
{{ include "helpdesk.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "helpdesk.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "helpdesk.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "helpdesk.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "helpdesk.configMapName" -}}
{{- printf "%s-config" (include "helpdesk.fullname" .) -}}
{{- end -}}

{{- define "helpdesk.secretName" -}}
{{- default (printf "%s-secrets" (include "helpdesk.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{/*
The uvicorn command of an HTTP process; call with
(dict "root" $ "component" "intake" "app" "services.intake.main:create_app" "proxyHeaders" true).
*/}}
{{- define "helpdesk.uvicornArgs" -}}
{{- $values := index .root.Values .component -}}
- uvicorn
- --factory
- {{ .app }}
- --host
- 0.0.0.0
- --port
- {{ $values.port | quote }}
{{- if .proxyHeaders }}
- --proxy-headers
- --forwarded-allow-ips
- "*"
{{- end }}
{{- range $values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
The grace period must outlast the worker's graceful shutdown, or the kubelet kills running
activities in the middle.
*/}}
{{- define "helpdesk.checkWorkerGrace" -}}
{{- $grace := .Values.worker.terminationGracePeriodSeconds | float64 -}}
{{- $shutdown := .Values.config.WORKER_GRACEFUL_SHUTDOWN_SECONDS | float64 -}}
{{- if le $grace $shutdown -}}
{{- fail (printf "worker.terminationGracePeriodSeconds (%v) must exceed config.WORKER_GRACEFUL_SHUTDOWN_SECONDS (%v)" .Values.worker.terminationGracePeriodSeconds .Values.config.WORKER_GRACEFUL_SHUTDOWN_SECONDS) -}}
{{- end -}}
{{- end -}}

{{/* Whether the KEDA ScaledObject of the worker is rendered. */}}
{{- define "helpdesk.kedaEnabled" -}}
{{- if and .Values.worker.keda.enabled (or .Values.worker.keda.skipCapabilityCheck (.Capabilities.APIVersions.Has "keda.sh/v1alpha1")) -}}
true
{{- end -}}
{{- end -}}

{{/*
The pod spec parts every process shares: service account, security, scheduling, the
settings (envFrom the ConfigMap and the Secret), the writable /tmp. Call with
(dict "root" $ "component" "intake"); the caller adds the container's command, ports and
probes through "helpdesk.containerCommon".
*/}}
{{- define "helpdesk.podCommon" -}}
serviceAccountName: {{ include "helpdesk.serviceAccountName" .root }}
automountServiceAccountToken: {{ .root.Values.automountServiceAccountToken }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .root.Values.tmpSizeLimit }}
{{- end -}}

{{/* The container parts every process shares; call with (dict "root" $ "component" "intake"). */}}
{{- define "helpdesk.containerCommon" -}}
image: {{ include "helpdesk.image" .root | quote }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.securityContext | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ include "helpdesk.configMapName" .root }}
  - secretRef:
      name: {{ include "helpdesk.secretName" .root }}
{{- if .root.Values.mongodbUrlFrom.secretName }}
env:
  - name: MONGODB_URL
    valueFrom:
      secretKeyRef:
        name: {{ .root.Values.mongodbUrlFrom.secretName }}
        key: {{ .root.Values.mongodbUrlFrom.key }}
{{- end }}
resources:
  {{- toYaml (index .root.Values .component).resources | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end -}}

{{/* Pod annotations: roll the pods when the settings change. */}}
{{- define "helpdesk.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.existingSecret }}
checksum/secrets: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}
