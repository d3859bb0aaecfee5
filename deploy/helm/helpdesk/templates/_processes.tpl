{{/*
The four HTTP processes: name, ASGI factory and whether uvicorn trusts X-Forwarded-* (the
router is not started with them, as in deploy/README.md).
*/}}
{{- define "helpdesk.httpProcesses" -}}
- name: intake
  app: services.intake.main:create_app
  proxyHeaders: true
- name: knowledge
  app: services.knowledge.main:create_app
  proxyHeaders: true
- name: notify
  app: services.notify.main:create_app
  proxyHeaders: true
- name: router
  app: services.router.main:create_app
  proxyHeaders: false
{{- end -}}
