#!/usr/bin/env bash
# Install the help desk's dependencies from their official charts, then the help desk.
# Not run by the checks (it needs a cluster and the charts' repositories); read it as the
# order of install. Run from anywhere; paths are relative to the repository root.
#
# Before: a PostgreSQL for Temporal (databases temporal and temporal_visibility may be
# created by the chart's schema job; the user needs the right to), an SMTP relay, and the
# secret values below in files (never in the repository):
#   MONGODB_PASSWORD_FILE   the help desk's MongoDB user's password
#   MEILI_MASTER_KEY_FILE   Meilisearch's master key (at least 16 bytes)
#   JWT_SECRET_FILE         at least 32 random bytes
#   TEMPORAL_DB_PASSWORD_FILE  the PostgreSQL password of user temporal
#   SMTP_PASSWORD_FILE      optional
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
DEPS="$ROOT/deploy/helm/dependencies"

# Chart versions, pinned (bump deliberately, after reading each chart's upgrade notes).
TEMPORAL_CHART_VERSION=1.6.0          # Temporal server 1.31.2
MONGODB_OPERATOR_CHART_VERSION=1.9.1  # MongoDB Controllers for Kubernetes (runs MongoDBCommunity)
MEILISEARCH_CHART_VERSION=0.34.0      # Meilisearch v1.48.3

# The charts' repositories (as each project documents them).
TEMPORAL_REPO_URL="${TEMPORAL_REPO_URL:-https://go.temporal.io/helm-charts}"
MONGODB_REPO_URL="${MONGODB_REPO_URL:-https://mongodb.github.io/helm-charts}"
MEILISEARCH_REPO_URL="${MEILISEARCH_REPO_URL:-https://meilisearch.github.io/meilisearch-kubernetes}"

APP_NS="${APP_NS:-helpdesk}"
: "${MONGODB_PASSWORD_FILE:?}" "${MEILI_MASTER_KEY_FILE:?}" "${JWT_SECRET_FILE:?}" "${TEMPORAL_DB_PASSWORD_FILE:?}"

helm repo add temporal "$TEMPORAL_REPO_URL"
helm repo add mongodb "$MONGODB_REPO_URL"
helm repo add meilisearch "$MEILISEARCH_REPO_URL"
helm repo update temporal mongodb meilisearch

for ns in "$APP_NS" mongodb-operator meilisearch temporal; do
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f -
done

# 1. MongoDB: the operator, then the three-member replica set in the help desk's namespace.
helm upgrade --install mongodb-operator mongodb/mongodb-kubernetes \
  --version "$MONGODB_OPERATOR_CHART_VERSION" --namespace mongodb-operator \
  -f "$DEPS/mongodb-operator-values.yaml" --wait
kubectl -n "$APP_NS" create secret generic helpdesk-mongodb-password \
  --from-file=password="$MONGODB_PASSWORD_FILE" --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -n "$APP_NS" -f "$DEPS/mongodb/mongodbcommunity.yaml"
kubectl -n "$APP_NS" wait mongodbcommunity/helpdesk-mongodb \
  --for=jsonpath='{.status.phase}'=Running --timeout=15m

# 2. Meilisearch, production mode, with the master key from a Secret.
kubectl -n meilisearch create secret generic meilisearch-master-key \
  --from-file=MEILI_MASTER_KEY="$MEILI_MASTER_KEY_FILE" --dry-run=client -o yaml | kubectl apply -f -
helm upgrade --install meilisearch meilisearch/meilisearch \
  --version "$MEILISEARCH_CHART_VERSION" --namespace meilisearch \
  -f "$DEPS/meilisearch-values.yaml" --wait

# 3. Temporal on PostgreSQL (numHistoryShards is fixed from here on: see the values file).
kubectl -n temporal create secret generic temporal-postgres \
  --from-file=password="$TEMPORAL_DB_PASSWORD_FILE" --dry-run=client -o yaml | kubectl apply -f -
helm upgrade --install temporal temporal/temporal \
  --version "$TEMPORAL_CHART_VERSION" --namespace temporal \
  -f "$DEPS/temporal-values.yaml" --timeout 15m --wait

# 4. The help desk: its secrets (the same Meilisearch key), then the chart. MONGODB_URL
# comes from the operator's connection-string Secret (mongodbUrlFrom).
smtp_args=()
if [[ -n "${SMTP_PASSWORD_FILE:-}" ]]; then
  smtp_args=(--from-file=SMTP_PASSWORD="$SMTP_PASSWORD_FILE")
fi
kubectl -n "$APP_NS" create secret generic helpdesk-secrets \
  --from-file=MEILI_MASTER_KEY="$MEILI_MASTER_KEY_FILE" \
  --from-file=JWT_SECRET="$JWT_SECRET_FILE" "${smtp_args[@]}" \
  --dry-run=client -o yaml | kubectl apply -f -
helm upgrade --install helpdesk "$ROOT/deploy/helm/helpdesk" --namespace "$APP_NS" \
  --set existingSecret=helpdesk-secrets \
  --set mongodbUrlFrom.secretName=helpdesk-mongodb-connection \
  "$@"
