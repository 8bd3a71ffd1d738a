{{/* Chart name, truncated to the 63 characters Kubernetes allows. */}}
{{- define "seuil.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-name-seuil unless the release already says seuil. */}}
{{- define "seuil.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "seuil.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "seuil.selectorLabels" -}}
app.kubernetes.io/name: {{ include "seuil.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "seuil.labels" -}}
helm.sh/chart: {{ include "seuil.chart" . }}
{{ include "seuil.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: seuil
{{- end }}

{{- define "seuil.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "seuil.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "seuil.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "seuil.configPath" -}}/etc/seuil/seuil.yaml{{- end }}

{{/*
seuil.config renders seuil.yaml: .Values.config, with the keys the chart
owns (listen addresses, public URL, Redis and LDAP addresses, the signing
keys directory) set from the values that describe them.
*/}}
{{- define "seuil.config" -}}
{{- $cfg := deepCopy (.Values.config | default dict) }}
{{- $server := get $cfg "server" | default dict }}
{{- $_ := set $server "addr" (printf ":%v" .Values.containerPorts.http) }}
{{- if .Values.metrics.enabled }}
{{- $_ := set $server "metrics_addr" (printf ":%v" .Values.containerPorts.metrics) }}
{{- end }}
{{- if .Values.publicURL }}
{{- $_ := set $server "public_url" .Values.publicURL }}
{{- end }}
{{- $_ := set $cfg "server" $server }}
{{- if .Values.redis.addrs }}
{{- $redis := get $cfg "redis" | default dict }}
{{- $_ := set $redis "addrs" .Values.redis.addrs }}
{{- if .Values.redis.masterName }}
{{- $_ := set $redis "master_name" .Values.redis.masterName }}
{{- end }}
{{- $_ := set $cfg "redis" $redis }}
{{- end }}
{{- if .Values.ldap.url }}
{{- $dir := get $cfg "directory" | default dict }}
{{- $ldap := get $dir "ldap" | default dict }}
{{- $_ := set $ldap "url" .Values.ldap.url }}
{{- with .Values.ldap.readURLs }}{{ $_ := set $ldap "read_urls" . }}{{ end }}
{{- with .Values.ldap.bindDN }}{{ $_ := set $ldap "bind_dn" . }}{{ end }}
{{- with .Values.ldap.baseDN }}{{ $_ := set $ldap "base_dn" . }}{{ end }}
{{- $_ := set $dir "ldap" $ldap }}
{{- $_ := set $cfg "directory" $dir }}
{{- end }}
{{- if .Values.signingKeys.existingSecret }}
{{- $oidc := get $cfg "oidc" | default dict }}
{{- if not (or (hasKey $oidc "keys") (hasKey $oidc "keys_dir")) }}
{{- $_ := set $oidc "keys_dir" .Values.signingKeys.mountPath }}
{{- with .Values.signingKeys.active }}{{ $_ := set $oidc "active_key" . }}{{ end }}
{{- end }}
{{- $_ := set $cfg "oidc" $oidc }}
{{- end }}
{{- toYaml $cfg }}
{{- end }}

{{/* Volumes shared by the Deployment, the sync CronJob and the test pod. */}}
{{- define "seuil.volumes" -}}
- name: config
  configMap:
    name: {{ include "seuil.fullname" . }}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if .Values.secrets.existingSecret }}
- name: secrets
  secret:
    secretName: {{ .Values.secrets.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- if .Values.signingKeys.existingSecret }}
- name: signing-keys
  secret:
    secretName: {{ .Values.signingKeys.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- if .Values.caBundle.existingConfigMap }}
- name: ca-bundle
  configMap:
    name: {{ .Values.caBundle.existingConfigMap }}
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "seuil.volumeMounts" -}}
- name: config
  mountPath: /etc/seuil/seuil.yaml
  subPath: seuil.yaml
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if .Values.secrets.existingSecret }}
- name: secrets
  mountPath: {{ .Values.secrets.mountPath }}
  readOnly: true
{{- end }}
{{- if .Values.signingKeys.existingSecret }}
- name: signing-keys
  mountPath: {{ .Values.signingKeys.mountPath }}
  readOnly: true
{{- end }}
{{- if .Values.caBundle.existingConfigMap }}
- name: ca-bundle
  mountPath: {{ .Values.caBundle.mountPath }}
  readOnly: true
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Environment shared by every container running seuil. */}}
{{- define "seuil.env" -}}
{{- if or .Values.timeZone .Values.env }}
env:
{{- with .Values.timeZone }}
  - name: TZ
    value: {{ . | quote }}
{{- end }}
{{- with .Values.env }}
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- with .Values.envFrom }}
envFrom:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
