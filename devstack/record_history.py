"""Save a ticket workflow's history for the replay test.

`python -m devstack.record_history <ticket_id> <name>` reads the history from the Temporal
server of the settings (e.g. a running `make run`) and writes tests/histories/<name>.json.
Record one whenever the workflow gains a new path, before changing it again.
"""

import asyncio
import sys
from pathlib import Path

from shared.settings import Settings
from shared.temporal import connect_temporal
from shared.tickets import ticket_workflow_id

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "histories"


async def record(ticket_id: str, name: str) -> Path:
    client = await connect_temporal(Settings())
    history = await client.get_workflow_handle(ticket_workflow_id(ticket_id)).fetch_history()
    path = HISTORIES / f"{name}.json"
    path.write_text(history.to_json() + "\n", encoding="utf-8")
    return path


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(asyncio.run(record(sys.argv[1], sys.argv[2])))


if __name__ == "__main__":
    main()
