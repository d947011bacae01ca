{{- define "agp.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "agp.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "agp.secretName" -}}
{{- default (printf "%s-credentials" (include "agp.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{/* The tier name as an environment variable fragment: vip-eu -> VIPEU (Spring's relaxed binding drops dashes). */}}
{{- define "agp.tierEnv" -}}
{{- . | upper | replace "-" "" -}}
{{- end -}}

{{/* Environment shared by every container: where the configuration is and the credentials. */}}
{{- define "agp.env" -}}
- name: SPRING_CONFIG_ADDITIONAL_LOCATION
  value: file:/config/agp.yaml
- name: JAVA_OPTS
  value: {{ .Values.javaOpts | quote }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "agp.secretName" . }}
      key: database-password
- name: AGP_RESULTS_S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "agp.secretName" . }}
      key: s3-access-key
- name: AGP_RESULTS_S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "agp.secretName" . }}
      key: s3-secret-key
{{- range $name, $tier := .Values.tiers }}
- name: AGP_TIERS_{{ include "agp.tierEnv" $name }}_CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "agp.secretName" $ }}
      key: clickhouse-password-{{ $name }}
{{- end }}
{{- end -}}

{{- define "agp.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if .Values.metrics.annotations }}
prometheus.io/scrape: "true"
prometheus.io/path: /actuator/prometheus
{{- end }}
{{- end -}}

{{/* Every pod names the port of its actuator "management": the probes and the PodMonitor use it. */}}
{{- define "agp.probes" -}}
livenessProbe:
  httpGet:
    path: /actuator/health/liveness
    port: management
  initialDelaySeconds: 30
  periodSeconds: 10
readinessProbe:
  httpGet:
    path: /actuator/health/readiness
    port: management
  initialDelaySeconds: 10
  periodSeconds: 5
{{- end -}}

{{/*
The keys of signed result links, comma-separated (how Spring binds a list from one environment
variable): those given, else those already in the chart's Secret, else a new one. Keeping them on
upgrades keeps every replica on the same keys and issued links valid.
*/}}
{{- define "agp.linkSecrets" -}}
{{- if .Values.linkSecrets -}}
{{- join "," .Values.linkSecrets -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "agp.secretName" .) | default dict -}}
{{- $kept := get ($existing.data | default dict) "link-secrets" | b64dec -}}
{{- $kept | default (randAlphaNum 64) -}}
{{- end -}}
{{- end -}}

{{/* agp.api.*: api.config, overlaid with what the chart's own values set (empty ones leave the API's defaults). */}}
{{- define "agp.apiConfig" -}}
{{- $auth := dict "mode" .Values.auth.mode -}}
{{- if eq .Values.auth.mode "jwt" -}}
{{- with .Values.auth.jwkSetUri }}{{ $_ := set $auth "jwk-set-uri" . }}{{ end -}}
{{- with .Values.auth.issuer }}{{ $_ := set $auth "issuer" . }}{{ end -}}
{{- with .Values.auth.audience }}{{ $_ := set $auth "audience" . }}{{ end -}}
{{- with .Values.auth.clockSkew }}{{ $_ := set $auth "clock-skew" . }}{{ end -}}
{{- with .Values.auth.adminRole }}{{ $_ := set $auth "admin-role" . }}{{ end -}}
{{- with .Values.auth.roleTiers }}{{ $_ := set $auth "role-tiers" . }}{{ end -}}
{{- end -}}
{{- $api := dict "auth" $auth -}}
{{- with .Values.api.shareScope }}{{ $_ := set $api "share-scope" . }}{{ end -}}
{{- $rateLimit := dict -}}
{{- range $key, $property := dict "requestsPerSecond" "requests-per-second" "burst" "burst" -}}
{{- $value := get $.Values.api.rateLimit $key -}}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}{{ $_ := set $rateLimit $property $value }}{{ end -}}
{{- end -}}
{{- with $rateLimit }}{{ $_ := set $api "rate-limit" . }}{{ end -}}
{{- $origins := concat ((.Values.api.cors | default dict).allowedOrigins | default list) (.Values.api.allowedOrigins | default list) -}}
{{- with $origins }}{{ $_ := set $api "cors" (dict "allowed-origins" .) }}{{ end -}}
{{- toYaml (mergeOverwrite (deepCopy .Values.api.config) $api) -}}
{{- end -}}

{{/* agp.callbacks.*: callbacks.config, overlaid with what the chart's own values set. Read by the API and the bookkeeper. */}}
{{- define "agp.callbacksConfig" -}}
{{- $callbacks := dict "enabled" .Values.callbacks.enabled "allowed-hosts" .Values.callbacks.allowedHosts -}}
{{- toYaml (mergeOverwrite (deepCopy .Values.callbacks.config) $callbacks) -}}
{{- end -}}

{{/* Pod security: not root, the runtime's default seccomp profile. */}}
{{- define "agp.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container security: a read-only root filesystem, no privilege escalation, no capability. */}}
{{- define "agp.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Every pod's volumes: the configuration, and a writable /tmp for the JVM and Tomcat, since the root filesystem is read-only. */}}
{{- define "agp.volumes" -}}
- name: config
  configMap:
    name: {{ include "agp.fullname" . }}-config
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "agp.volumeMounts" -}}
- name: config
  mountPath: /config
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- end -}}
