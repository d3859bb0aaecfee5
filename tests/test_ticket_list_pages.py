"""Pages of the ticket list on a desk with a year of tickets: read window by window and
branch by branch (services/intake/tickets/listing.py), they hold exactly the tickets, in
exactly the order, that one query sorting all of them gives."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from devstack.desk_data import fill_desk
from services.intake.tickets import access, listing, queries
from shared import collections
from shared.auth import Principal
from shared.clock import utcnow
from shared.db_commands import CommandTally
from shared.enums import Role
from shared.mongo import Database, create_mongo_client, get_database
from shared.settings import Settings
from tests.conftest import Servers
from tests.intake_support import Api

TICKETS = 400
AGENT_TICKETS = 150


async def _all_pages(
    db: Database, principal: Principal, filters: queries.TicketFilters, sort: str, limit: int
) -> list[str]:
    """Every ticket id, page after page, as the API would list them."""
    path, direction = queries.sort_spec(queries.TicketSort(sort))
    after: tuple[Any, str] | None = None
    ids: list[str] = []
    for _ in range(TICKETS):  # bounded: no more pages than tickets
        conditions = listing.Conditions(
            matches=listing.text_matcher(filters.q) if filters.q else None
        )
        for clause in (access.ticket_scope(principal), *queries.filter_clauses(filters)):
            conditions.add(clause)
        page = await listing.read_page(db, conditions, listing.Page(path, direction, after, limit))
        ids += [ticket["_id"] for ticket in page[:limit]]
        if len(page) <= limit:
            return ids
        last = page[limit - 1]
        after = (listing.Page(path, direction, None, limit).value(last), last["_id"])
    raise AssertionError("the pages never ended")


def _expected(tickets: list[dict[str, Any]], sort: str) -> list[str]:
    path, direction = queries.sort_spec(queries.TicketSort(sort))
    page = listing.Page(path, direction, None, 0)
    return [t["_id"] for t in sorted(tickets, key=page.key, reverse=direction == -1)]


@pytest.fixture(scope="module")
async def desk(servers: Servers) -> AsyncIterator[Database]:
    """A year of tickets, filled once for the module's tests (which only read it, but for
    the agent's test, whose changes the others do not see)."""
    settings = servers.settings()
    client = create_mongo_client(settings)
    database = get_database(client, settings)
    await fill_desk(database, tickets=TICKETS)
    try:
        yield database
    finally:
        await client.drop_database(settings.mongodb_db)
        await client.close()


@pytest.fixture
async def year(desk: Database) -> list[dict[str, Any]]:
    return [ticket async for ticket in desk[collections.TICKETS].find({})]


AGENT = Principal(id="agent-x", role=Role.AGENT, name="Agent", groups=("frontline",))
ADMIN = Principal(id="admin-x", role=Role.ADMIN, name="Admin")


@pytest.mark.parametrize(
    "sort", ["-created_at", "created_at", "-updated_at", "number", "-priority"]
)
@pytest.mark.parametrize("limit", [7, 50])
async def test_pages_hold_every_ticket_once_in_order(
    desk: Database, year: list[dict[str, Any]], sort: str, limit: int
) -> None:
    listed = await _all_pages(desk, ADMIN, queries.TicketFilters(), sort, limit)
    assert listed == _expected(year, sort)


async def test_an_agent_sees_their_groups_and_their_own_tickets(db: Database) -> None:
    await fill_desk(db, tickets=AGENT_TICKETS)
    year = [ticket async for ticket in db[collections.TICKETS].find({})]
    # Some tickets of another group: one collaborating with frontline, one assigned to the
    # agent, the rest out of sight.
    others = [t["_id"] for t in year[:30]]
    await db[collections.TICKETS].update_many(
        {"_id": {"$in": others}}, {"$set": {"group": "technical_team"}}
    )
    await db[collections.TICKETS].update_one(
        {"_id": others[0]}, {"$set": {"collaborator_groups": ["frontline"]}}
    )
    await db[collections.TICKETS].update_one(
        {"_id": others[1]}, {"$set": {"assignee": {"id": AGENT.id, "name": AGENT.name}}}
    )
    visible = [t async for t in db[collections.TICKETS].find({}) if access.can_see(AGENT, t)]
    assert len(visible) == AGENT_TICKETS - 28
    listed = await _all_pages(db, AGENT, queries.TicketFilters(), "-created_at", 25)
    assert listed == _expected(visible, "-created_at")


async def test_filters_and_text_on_a_year_of_tickets(
    desk: Database, year: list[dict[str, Any]]
) -> None:
    filters = queries.TicketFilters(q="退款", type=[year[0]["type"]])
    wanted = [t for t in year if "退款" in t["title"] and t["type"] == year[0]["type"]]
    assert wanted  # the desk's titles include refunds
    listed = await _all_pages(desk, ADMIN, filters, "-created_at", 10)
    assert listed == _expected(wanted, "-created_at")
    nobody = Principal(id="nobody", role=Role.CUSTOMER, name="Nobody")
    assert await _all_pages(desk, nobody, queries.TicketFilters(), "-created_at", 10) == []


async def test_the_api_pages_through_a_year(api: Api) -> None:
    await fill_desk(api.db, tickets=120)
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        query = "limit=25" + (f"&cursor={cursor}" if cursor else "")
        page = (await api.call("manager", "GET", f"/v1/tickets?{query}")).json()
        seen += [ticket["id"] for ticket in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 120


async def test_a_first_page_that_fills_from_its_window_is_one_query(settings: Settings) -> None:
    """On a busy desk the newest page is one read: nothing looks up the desk's first
    ticket (on a desk without ticket 1, as here, that lookup reads every ticket)."""
    tally = CommandTally()
    client = create_mongo_client(settings, [tally])
    db = get_database(client, settings)
    try:
        now = utcnow()
        await db[collections.TICKETS].insert_many(
            [
                {
                    "_id": f"busy-{n}",
                    "number": 1000 + n,
                    "status": "pending",
                    "created_at": now - timedelta(minutes=n),
                    "updated_at": now,
                }
                for n in range(60)
            ]
        )
        path, direction = queries.sort_spec(queries.TicketSort("-created_at"))
        conditions = listing.Conditions(matches=None)
        conditions.add(access.ticket_scope(ADMIN))
        tally.clear()
        page = await listing.read_page(db, conditions, listing.Page(path, direction, None, 50))
        assert [t["_id"] for t in page] == [f"busy-{n}" for n in range(51)]
        finds = {k: v for k, v in tally.counts().items() if k[1] == "find"}
        assert sum(finds.values()) == 1, finds
    finally:
        await client.drop_database(settings.mongodb_db)
        await client.close()
