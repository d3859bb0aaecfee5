# The help desk's one image: every process runs from it with its own command.
#
#   docker build -t helpdesk:latest .
#
#   intake     uvicorn --factory services.intake.main:create_app --host 0.0.0.0 --port 8000 --proxy-headers --forwarded-allow-ips '*'
#   knowledge  uvicorn --factory services.knowledge.main:create_app --host 0.0.0.0 --port 8001 --proxy-headers --forwarded-allow-ips '*'
#   notify     uvicorn --factory services.notify.main:create_app --host 0.0.0.0 --port 8002 --proxy-headers --forwarded-allow-ips '*'
#   router     uvicorn --factory services.router.main:create_app --host 0.0.0.0 --port 8080
#   worker     python -m services.workflows.worker
#
# Settings come from the environment (shared/settings.py; deploy/compose and deploy/helm set
# every one). The first admin: python -m services.intake.create_admin <email> "<name>".

# The web app, built once.
FROM node:20-bookworm-slim AS web
WORKDIR /build/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/ ./
RUN npm run build

# The Python environment from the exact pins (compilers only in this stage).
FROM python:3.11-slim-bookworm AS python
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.lock

FROM python:3.11-slim-bookworm
# Bytecode stays on: the worker's workflow sandbox re-imports modules (services/workflows/worker.py).
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    WEB_DIST_DIR=/app/web/dist
RUN groupadd --gid 10001 helpdesk \
    && useradd --uid 10001 --gid helpdesk --no-create-home --shell /usr/sbin/nologin helpdesk
COPY --from=python /opt/venv /opt/venv
WORKDIR /app
COPY shared/ shared/
COPY services/ services/
COPY --from=web /build/web/dist web/dist/
# Compiled now, as root, so that a read-only root file system needs no writes at start.
RUN python -m compileall -q shared services
USER 10001:10001
EXPOSE 8000 8001 8002 8080
CMD ["uvicorn", "--factory", "services.intake.main:create_app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*"]
