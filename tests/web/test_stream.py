"""The live ticket stream (A1, K2) through the router, as the browser reads it: only tickets
the caller may see, each change as it is stored, a ticket that leaves the caller's sight
said to be hidden, a resumed stream losing nothing, and changes made through either of the
two intake processes behind the router reaching every stream.

Each test files in a category no other browser test uses for that customer: a third ticket
of one category within a week starts at escalation level 1 (repeat escalation), out of the
frontline's sight, and the workspace tests need their tickets in the frontline queue."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.intake.tickets.feed import SLACK
from tests.web.conftest import WebDesk, file_as


@contextlib.asynccontextmanager
async def stream(
    desk: WebDesk, email: str, last_event_id: str | None = None, since: str | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """The events one caller receives, collected while the block runs: `ticket` events as
    {id, ticket, server_time}, `hidden` ones as {hidden: ticket id}, `reload` as {reload}."""
    received: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {await desk.token(email)}"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    opened = asyncio.Event()

    async def read() -> None:
        params = {"since": since} if since else {}
        async with desk.http.stream(
            "GET", f"{desk.url}/v1/tickets/stream", headers=headers, params=params, timeout=None
        ) as answer:
            assert answer.headers["content-type"].startswith("text/event-stream")
            event_id, event = None, None
            async for line in answer.aiter_lines():
                opened.set()
                if line.startswith("id: "):
                    event_id = line[4:]
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "ticket":
                    received.append({"id": event_id, **json.loads(line[6:])})
                elif line.startswith("data: ") and event == "hidden":
                    received.append({"hidden": json.loads(line[6:])["id"]})
                elif line.startswith("data: ") and event == "reload":
                    received.append({"reload": True})

    task = asyncio.create_task(read())
    await asyncio.wait_for(opened.wait(), 10)
    await asyncio.sleep(0.6)  # the feed reads from now on
    try:
        yield received
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await task


def about(events: list[dict[str, Any]], ticket_id: str) -> list[dict[str, Any]]:
    """The `ticket` events of one ticket."""
    return [event for event in events if event.get("ticket", {}).get("id") == ticket_id]


async def until(check: Any, seconds: float = 8.0) -> None:
    for _ in range(int(seconds * 20)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never happened")


async def test_the_stream_carries_only_tickets_the_caller_may_see(web_desk: WebDesk) -> None:
    async with (
        stream(web_desk, "agent1@example.com") as frontline,
        stream(web_desk, "tech@example.com") as technical_team,
        stream(web_desk, "bob@example.com") as other_customer,
    ):
        ticket = await file_as(
            web_desk,
            "alice@example.com",
            "stream visibility",
            category="performance",
            description="Only the frontline group sees this ticket.",
        )
        await until(lambda: bool(about(frontline, ticket["id"])))
        await asyncio.sleep(1.5)  # long enough for a wrongly sent event to arrive
    assert not about(technical_team, ticket["id"])
    assert not about(other_customer, ticket["id"])
    first = about(frontline, ticket["id"])[0]
    assert first["server_time"]
    assert first["ticket"]["sla"]["response"]["due_at"]


async def test_a_resumed_stream_gets_what_changed_while_it_was_away(web_desk: WebDesk) -> None:
    async with stream(web_desk, "manager@example.com") as before:
        await file_as(
            web_desk,
            "alice@example.com",
            "before the drop",
            category="compatibility",
            description="Filed while the manager's list was connected.",
        )
        await until(lambda: any(e["ticket"]["title"] == "before the drop" for e in before))
    last_id = next(e for e in before if e["ticket"]["title"] == "before the drop")["id"]
    missed = await file_as(
        web_desk,
        "alice@example.com",
        "while away",
        category="compatibility",
        description="Filed while no stream was connected.",
    )
    async with stream(web_desk, "manager@example.com", last_event_id=last_id) as after:
        await until(lambda: any(e["ticket"]["id"] == missed["id"] for e in after))


async def test_a_first_stream_gets_what_changed_since_the_page_it_follows(
    web_desk: WebDesk,
) -> None:
    email = "manager@example.com"
    page = await web_desk.call(email, "GET", "/v1/tickets?limit=1")
    # Filed after the page was read, and settled (assigned, notified) before any stream
    # opens: only the replay can bring its present version.
    missed = await file_as(
        web_desk,
        "alice@example.com",
        "between page and stream",
        category="configuration",
        description="Filed after the list page was read.",
    )
    settled = await settled_version(web_desk, email, missed["id"])
    async with stream(web_desk, email, since=page["server_time"]) as after:
        await until(lambda: any(e.get("ticket", {}).get("updated_at") == settled for e in after))
    # Too far back to replay: the stream first says to read the list again.
    long_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    async with stream(web_desk, email, since=long_ago) as behind:
        await until(lambda: bool(behind))
        assert behind[0] == {"reload": True}


async def settled_version(desk: WebDesk, email: str, ticket_id: str) -> str:
    """The ticket's `updated_at` once it has not changed for longer than the live feed
    looks back (its polls overlap by SLACK), so no live event carries that version."""
    seen, since = "", 0.0
    loop = asyncio.get_running_loop()
    for _ in range(150):  # bounded: 30 s
        ticket = await desk.call(email, "GET", f"/v1/tickets/{ticket_id}")
        if ticket["updated_at"] != seen:
            seen, since = ticket["updated_at"], loop.time()
        elif loop.time() - since > SLACK.total_seconds() + 1:
            return seen
        await asyncio.sleep(0.2)
    raise AssertionError(f"ticket {ticket_id} kept changing")


async def test_a_ticket_escalated_out_of_a_groups_sight_is_hidden_from_its_stream(
    web_desk: WebDesk,
) -> None:
    async with (
        stream(web_desk, "agent2@example.com") as frontline,
        stream(web_desk, "tech@example.com") as technical_team,
    ):
        ticket = await file_as(
            web_desk,
            "alice@example.com",
            "escalated away",
            category="tutorial",
            description="The frontline sees this until it goes to senior support.",
        )
        await until(lambda: bool(about(frontline, ticket["id"])))
        await web_desk.call(
            "manager@example.com",
            "POST",
            f"/v1/tickets/{ticket['id']}/actions/escalate",
            json={"level": 1, "reason": "Needs senior support."},
        )
        await until(lambda: {"hidden": ticket["id"]} in frontline)
        await asyncio.sleep(1.0)  # long enough for a wrongly sent event to arrive
    stored = await web_desk.db["tickets"].find_one({"_id": ticket["id"]})
    assert stored is not None
    assert stored["group"] == "senior_support"
    after = frontline[frontline.index({"hidden": ticket["id"]}) + 1 :]
    assert not about(after, ticket["id"])
    # a stream that never sent the ticket is not told it exists
    assert not [
        e
        for e in technical_team
        if ticket["id"] in (e.get("hidden"), e.get("ticket", {}).get("id"))
    ]


async def test_a_change_through_either_intake_process_reaches_a_stream_through_the_router(
    web_desk: WebDesk,
) -> None:
    processes = [web_desk.settings.intake_url, *web_desk.settings.router_intake_urls]
    assert len(processes) == 2
    async with stream(web_desk, "manager@example.com") as events:
        filed = [
            await file_as(
                web_desk,
                "bob@example.com",
                f"filed at intake process {n}",
                base=process,
                type="product",
                category="features",
                description="Each intake process reads the changes from MongoDB.",
            )
            for n, process in enumerate(processes, start=1)
        ]
        for ticket in filed:
            await until(lambda t=ticket: bool(about(events, t["id"])))
