"""Every setting the code reads is set by the production deploy files, and they set nothing
the code does not read: the compose stack's one environment map and the Helm chart's
ConfigMap and Secret values (optional settings with no value listed by name)."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.settings import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SETTINGS = {name.upper() for name in Settings.model_fields}


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def _compose() -> set[str]:
    compose = _load(DEPLOY / "compose" / "compose.yaml")
    return set(compose["x-helpdesk-environment"]) | set(
        compose.get("x-helpdesk-optional-settings", [])
    )


def _helm() -> set[str]:
    values = _load(DEPLOY / "helm" / "helpdesk" / "values.yaml")
    return set(values["config"]) | set(values["secrets"]) | set(values.get("optionalSettings", []))


@pytest.mark.parametrize("named", [_compose, _helm], ids=["compose", "helm"])
def test_the_deploy_files_set_every_setting_and_only_those(named: Any) -> None:
    names = named()
    assert sorted(SETTINGS - names) == [], "settings the deploy file leaves out"
    assert sorted(names - SETTINGS) == [], "names the code does not read"


def test_every_service_of_ours_in_compose_takes_the_one_environment() -> None:
    compose = _load(DEPLOY / "compose" / "compose.yaml")
    ours = {
        name: service
        for name, service in compose["services"].items()
        if str(service.get("image", "")).startswith("helpdesk")
    }
    assert {"intake", "knowledge", "notify", "router", "worker"} <= set(ours)
    for name, service in ours.items():
        environment = set(service.get("environment") or {})
        optional = set(compose.get("x-helpdesk-optional-settings", []))
        assert not SETTINGS - environment - optional, name


def test_the_image_runs_as_a_user_and_installs_the_exact_pins() -> None:
    dockerfile = (DEPLOY.parent / "Dockerfile").read_text(encoding="utf-8")
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    users = [line.split()[1] for line in final_stage.splitlines() if line.startswith("USER ")]
    assert users, "the final stage names no user"
    assert users[-1].split(":")[0] not in {"0", "root"}
    assert "-r /tmp/requirements.lock" in dockerfile
    assert "npm ci" in dockerfile  # the web app from its lock file
