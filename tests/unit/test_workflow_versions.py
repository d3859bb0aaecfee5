"""The ticket workflow's patch ids are listed once, unique, and are the ones it checks."""

import re
from pathlib import Path

from services.workflows.ticket import versions

WORKFLOW = Path(versions.__file__).parent / "policies.py"


def test_every_patch_is_listed_once_and_none_is_forgotten() -> None:
    ids = [patch.id for patch in versions.ALL]
    assert len(ids) == len(set(ids))
    # Patch ids never change: histories recorded by running tickets name them.
    assert ids == [
        "ticket-lifecycle-v1",
        "ticket-local-activities-v1",
        "ticket-notify-local-v1",
        "ticket-notify-service-v1",
        "ticket-auto-answer-v1",
        "ticket-steps-v1",
    ]
    source = WORKFLOW.read_text()
    assert not re.search(r'patched\(\s*"', source), "a patch id written in place"
    checked = set(re.findall(r"versions\.([A-Z_]+)\.id", source))
    assert checked == {name for name in dir(versions) if getattr(versions, name) in versions.ALL}
