"""The web app's vocabulary (labels, types and their categories) is the desk's: the labels the
e-mails and exports use (shared.enums.LABELS), in both languages, and SPEC A3's categories."""

import json
from pathlib import Path

import pytest

from shared.enums import CATEGORIES_BY_TYPE, LABELS

LOCALES = Path(__file__).resolve().parent.parent / "web" / "src" / "locales"
KINDS = {
    "TicketStatus": "status",
    "Priority": "priority",
    "TicketType": "type",
    "Category": "category",
    "CloseReason": "close_reason",
    "SlaState": "sla_state",
    "EscalationLevel": "escalation_level",
    "StandardGroup": "group",
    "Role": "role",
    "Visibility": "visibility",
}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_label_of_the_desk_is_the_web_apps(language: str) -> None:
    messages = json.loads((LOCALES / f"{language}.json").read_text(encoding="utf-8"))
    expected: dict[str, dict[str, str]] = {}
    for value, label in LABELS.items():
        kind = KINDS[type(value).__name__]
        expected.setdefault(kind, {})[str(value.value)] = label.text(language)  # type: ignore[arg-type]
    assert messages["enum"] == expected


def test_the_web_apps_types_and_categories_are_the_desks() -> None:
    vocabulary = json.loads((LOCALES.parent / "lib" / "vocabulary.json").read_text())
    assert vocabulary["categories_by_type"] == {
        kind.value: [category.value for category in categories]
        for kind, categories in CATEGORIES_BY_TYPE.items()
    }
