"""Settings come from the environment when a process starts; every enum has both labels."""

from enum import Enum, StrEnum

import pytest
from pydantic import ValidationError

from shared.enums import (
    CATEGORIES_BY_TYPE,
    LABELS,
    Category,
    CloseReason,
    EscalationLevel,
    Priority,
    Role,
    SlaState,
    StandardGroup,
    TicketStatus,
    TicketType,
    Visibility,
    label,
)
from shared.settings import DEV_MEILI_MASTER_KEY, Settings
from shared.sla import DEFAULT_SLA_POLICY


def test_defaults_point_at_the_embedded_servers_on_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("MONGODB_URL", "TEMPORAL_ADDRESS", "MEILI_URL", "SMTP_HOST", "SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.mongodb_url.startswith("mongodb://127.0.0.1:27017/")
    assert "directConnection=true" in settings.mongodb_url
    # SecantusDB's record of retryable writes slows every write down as it fills
    assert "retryWrites=false" in settings.mongodb_url
    assert settings.temporal_address == "127.0.0.1:7233"
    assert settings.meili_url == "http://127.0.0.1:7700"
    assert (settings.smtp_host, settings.smtp_port) == ("127.0.0.1", 1025)


def test_environment_variables_point_at_real_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URL", "mongodb://db.internal:27017/?replicaSet=rs0")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.internal:7233")
    monkeypatch.setenv("MEILI_URL", "https://search.internal")
    monkeypatch.setenv("SMTP_HOST", "smtp.internal")
    monkeypatch.setenv("SMTP_PORT", "587")
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    settings = Settings()
    assert settings.mongodb_url == "mongodb://db.internal:27017/?replicaSet=rs0"
    assert settings.temporal_address == "temporal.internal:7233"
    assert settings.meili_url == "https://search.internal"
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "smtp.internal",
        587,
        True,
    )


def test_production_refuses_the_development_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("MEILI_MASTER_KEY", raising=False)
    monkeypatch.setenv("JWT_SECRET", "a-real-signing-secret-from-the-vault-0123")
    with pytest.raises(ValidationError, match="MEILI_MASTER_KEY"):
        Settings()
    monkeypatch.setenv("MEILI_MASTER_KEY", "a-real-key-from-the-vault-0123")
    assert Settings().meili_master_key.get_secret_value() != DEV_MEILI_MASTER_KEY
    monkeypatch.delenv("JWT_SECRET")
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings()


def test_importing_the_services_builds_no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings are read when a process starts, never at import: a bad value in the
    environment must not break importing the code (tests, tools, the worker's sandbox)."""
    import importlib

    monkeypatch.setenv("SMTP_PORT", "not-a-number")
    for module in (
        "services.intake.main",
        "services.knowledge.main",
        "services.notify.main",
        "services.workflows.worker",
    ):
        importlib.reload(importlib.import_module(module))
    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.parametrize(
    "enum",
    [
        TicketStatus,
        Priority,
        TicketType,
        Category,
        CloseReason,
        SlaState,
        EscalationLevel,
        Role,
        Visibility,
        StandardGroup,
    ],
)
def test_every_enum_value_has_a_chinese_and_an_english_label(enum: type[Enum]) -> None:
    for member in enum:
        assert isinstance(member, StrEnum | EscalationLevel)
        zh, en = LABELS[member]
        assert zh
        assert en
        assert zh != en
        assert label(member, "zh-CN") == zh
        assert label(member, "en") == en


def test_categories_are_those_of_spec_a3() -> None:
    assert {c for cats in CATEGORIES_BY_TYPE.values() for c in cats} == set(Category)
    assert len(CATEGORIES_BY_TYPE[TicketType.COMPLAINT]) == 4
    assert Category.REFUND in CATEGORIES_BY_TYPE[TicketType.ORDER]
    assert label(Category.PASSWORD_RESET, "zh-CN") == "密码重置"


def test_default_sla_targets_are_those_of_spec_e1() -> None:
    minutes = {
        priority: (target.response_seconds // 60, target.resolution_seconds // 60)
        for priority, target in DEFAULT_SLA_POLICY.policies.items()
    }
    assert minutes == {
        Priority.URGENT: (15, 4 * 60),
        Priority.HIGH: (2 * 60, 24 * 60),
        Priority.NORMAL: (24 * 60, 3 * 24 * 60),
        Priority.LOW: (3 * 24 * 60, 7 * 24 * 60),
    }
    assert DEFAULT_SLA_POLICY.warning_share == 0.8
