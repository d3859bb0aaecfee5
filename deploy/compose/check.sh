#!/usr/bin/env bash
# Validate the compose stack offline (no Docker engine needed): the compose binary resolves
# and checks it (with the secrets of .env.example), the compose-spec schema validates it,
# and yamllint checks its style. The tools come from tools/deploy/.venv (make deploy-check).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$root/tools/deploy/.venv/bin"
for tool in docker-compose check-jsonschema yamllint; do
  [ -x "$bin/$tool" ] || { echo "FAIL $tool not found in tools/deploy/.venv (make deploy-check)" >&2; exit 1; }
done

echo "== compose config -q"
"$bin/docker-compose" --project-directory "$here" -f "$here/compose.yaml" \
  --env-file "$here/.env.example" config -q
echo ok

echo "== check-jsonschema (compose-spec)"
"$bin/check-jsonschema" --builtin-schema vendor.compose-spec "$here/compose.yaml"

echo "== yamllint -s"
"$bin/yamllint" -s -c "$root/deploy/.yamllint.yaml" "$here/compose.yaml"
echo ok

echo "== sh -n temporal-schema.sh"
sh -n "$here/temporal-schema.sh"
echo ok
echo "compose check.sh: all checks passed"
