"""Validate the custom resources (kinds no built-in Kubernetes schema knows) in YAML files.

Each document whose kind has a schema in schemas/<Kind>.schema.json (beside this script) is
checked against it; with --crd FILE (repeatable), a document whose kind a
CustomResourceDefinition in FILE defines is checked against that CRD's openAPIV3Schema
instead (unknown fields refused). A custom kind with neither fails, unless it is in --skip.
Built-in kinds (apiVersion without a dot in its group, or *.k8s.io) are left to
kubernetes-validate.

Usage: python check_custom_resources.py [--crd CRD.yaml ...] [--skip Kind ...] FILE...
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

HERE = Path(__file__).resolve().parent


def _builtin(api_version: str) -> bool:
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return "." not in group or group.endswith(".k8s.io")


def _strict(schema: Any) -> Any:
    """Refuse unknown fields, as the API server's strict field validation does (a CRD's
    structural schema prunes them silently instead)."""
    if isinstance(schema, dict):
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        for value in schema.values():
            _strict(value)
    elif isinstance(schema, list):
        for value in schema:
            _strict(value)
    return schema


def _crd_schemas(paths: list[str]) -> dict[tuple[str, str], dict[str, Any]]:
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in paths:
        for doc in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                schemas[key] = _strict(version["schema"]["openAPIV3Schema"])
    return schemas


def _own_schema(kind: str) -> dict[str, Any] | None:
    path = HERE / "schemas" / f"{kind}.schema.json"
    if not path.exists():
        return None
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crd", action="append", default=[])
    parser.add_argument("--skip", action="append", default=[])
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    crds = _crd_schemas(args.crd)
    failed = checked = 0
    for name in args.files:
        for doc in yaml.safe_load_all(Path(name).read_text(encoding="utf-8")):
            if not doc:
                continue
            api_version, kind = doc.get("apiVersion", ""), doc.get("kind", "")
            if _builtin(api_version) or kind in args.skip:
                continue
            where = f"{name}: {kind} {doc.get('metadata', {}).get('name', '?')}"
            schema = crds.get((api_version, kind))
            source = "CRD"
            if schema is None:
                schema, source = _own_schema(kind), "schemas/"
            if schema is None:
                print(f"FAIL {where}: no schema for {api_version} {kind}")
                failed += 1
                continue
            errors = sorted(Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
            checked += 1
            for error in errors:
                path = "/".join(str(p) for p in error.absolute_path)
                print(f"FAIL {where} ({source}): {path}: {error.message}")
            if errors:
                failed += 1
            else:
                print(f"ok   {where} ({source})")
    print(f"{checked} custom resources checked, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
