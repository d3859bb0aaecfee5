"""Activities of the ticket workflow: the only code of the worker that touches MongoDB."""

import asyncio
import contextlib
import difflib
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError
from temporalio import activity
from temporalio.client import Client

from services.workflows import assignment, bulk_activities
from services.workflows.auto_answer import KnowledgeSuggestions, reply_text
from services.workflows.models import (
    AgentQuery,
    AgentRelease,
    AgentReservation,
    AnswerQuery,
    AutoAnswerReply,
    CustomerHistory,
    CustomerHistoryQuery,
    DuplicateQuery,
    Notification,
    OperationLogEntry,
    ProjectionWrite,
    RepeatQuery,
    StepWrite,
)
from services.workflows.stats import refresh as stats_refresh
from shared import collections
from shared.clock import utcnow
from shared.desk_config import DESK_SETTINGS_ID, SLA_POLICY_ID, DeskConfig, DeskSettings
from shared.enums import Role, Visibility
from shared.mongo import Collection, Database, Document
from shared.notifications import outbox_entry
from shared.sla import DEFAULT_SLA_POLICY, SlaPolicy
from shared.ticket.document import restore_dates
from shared.ticket_messages import new_message_document
from shared.ticket_updates import STAFF_ROLES, DuplicateMerged, SignalName
from shared.tickets import AgentRef, ticket_workflow_id

log = logging.getLogger("helpdesk.worker.activities")

# Titles at least this similar (after normalising) count as the same problem.
DUPLICATE_TITLE_SIMILARITY = 0.9
# How many of the customer's earlier open tickets are compared, oldest first.
DUPLICATE_CANDIDATES = 50
DUPLICATE_KEY = 11000


async def ensure_indexes(db: Database) -> None:
    """Create the indexes of the collections this service owns (idempotent)."""
    events = db[collections.TICKET_EVENTS]
    await events.create_index(
        [("ticket_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="ticket_seq"
    )
    await events.create_index([("at", ASCENDING)], name="at")
    await db[collections.NOTIFICATIONS_OUTBOX].create_index(
        [("delivered_at", ASCENDING), ("at", ASCENDING)], name="undelivered"
    )
    await db[collections.OPERATION_LOG].create_index(
        [("ticket_id", ASCENDING), ("at", ASCENDING)], name="ticket_at"
    )
    await db[collections.TICKETS].create_index(
        [("submitter.id", ASCENDING), ("category", ASCENDING), ("created_at", DESCENDING)],
        name="submitter_category",
    )
    await assignment.ensure_indexes(db=db)
    await bulk_activities.ensure_indexes(db)
    await stats_refresh.ensure_indexes(db=db)


def _normalised(title: str) -> str:
    return "".join(title.lower().split())


async def _insert_new(collection: Collection, documents: list[Document]) -> None:
    """Insert the documents not stored yet (a retry of a write that had partly landed)."""
    if not documents:
        return
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
            raise


def _near_identical(title: str, earlier: list[Document]) -> DuplicateMerged | None:
    """The first of `earlier` whose title is near-identical to `title`."""
    mine = _normalised(title)
    for other in earlier:
        ratio = difflib.SequenceMatcher(None, mine, _normalised(other.get("title", ""))).ratio()
        if ratio >= DUPLICATE_TITLE_SIMILARITY:
            return DuplicateMerged(ticket_id=str(other["_id"]), number=int(other["number"]))
    return None


class TicketActivities:
    """Activities bound to the clients they need."""

    def __init__(
        self,
        db: Database,
        temporal: Client,
        knowledge: KnowledgeSuggestions | None = None,
        *,
        config_cache_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._temporal = temporal
        self._knowledge = knowledge  # None: no automatic answers
        self._config_cache_seconds = config_cache_seconds
        self._clock = clock
        self._config: tuple[float, DeskConfig] | None = None  # (read at, config)

    @activity.defn
    async def load_config(self) -> DeskConfig:
        """The SLA policy and desk settings an admin stored, or the defaults; read again
        once the copy in hand is `config_cache_seconds` old (every new ticket read them)."""
        now = self._clock()
        if self._config is not None and now - self._config[0] < self._config_cache_seconds:
            return self._config[1]
        config = await self._read_config()
        self._config = (now, config)
        return config

    async def _read_config(self) -> DeskConfig:
        stored = {
            document.pop("_id"): document
            async for document in self._db[collections.SETTINGS].find(
                {"_id": {"$in": [SLA_POLICY_ID, DESK_SETTINGS_ID]}}
            )
        }
        policy, desk = stored.get(SLA_POLICY_ID), stored.get(DESK_SETTINGS_ID)
        return DeskConfig(
            sla=SlaPolicy.model_validate(policy) if policy else DEFAULT_SLA_POLICY,
            desk=DeskSettings.model_validate(desk) if desk else DeskSettings(),
        )

    @activity.defn
    async def record_event(self, write: ProjectionWrite) -> None:
        """Append one transition to the ticket's history and project the ticket after it."""
        event = write.event
        # recorded_at: when the write was made, which the statistics refresh reads by
        # (an event's `at` is the workflow's time, and a retried write lands later).
        document = {
            "_id": event.event_id,
            **event.model_dump(mode="python"),
            "recorded_at": utcnow(),
        }

        async def append() -> None:
            with contextlib.suppress(DuplicateKeyError):  # a retry of a write that had landed
                await self._db[collections.TICKET_EVENTS].insert_one(document)

        # Both writes at once: each is idempotent, and a failure of either retries both.
        # The seq guard keeps a late retry of an older event from moving the ticket back.
        projected = self._db[collections.TICKETS].update_one(
            {"_id": event.ticket_id, "last_event_seq": {"$lt": event.seq}},
            {
                "$set": {
                    **restore_dates(write.projection),
                    "last_event_seq": event.seq,
                    # The workflow runs: intake's sweeper leaves this ticket alone.
                    "workflow.started": True,
                }
            },
        )
        await asyncio.gather(append(), projected)

    @activity.defn
    async def record_step(self, write: StepWrite) -> None:
        """Append a step's transitions to the ticket's history, project the ticket after
        the last, and put the step's notifications in the outbox notify drains: three
        writes at once, however much the step did. Each is idempotent (keyed), and a
        failure of any retries all three."""
        recorded_at = utcnow()
        events = [
            {"_id": event.event_id, **event.model_dump(mode="python"), "recorded_at": recorded_at}
            for event in write.events
        ]
        writes: list[Coroutine[Any, Any, object]] = [
            _insert_new(self._db[collections.TICKET_EVENTS], events),
            _insert_new(
                self._db[collections.NOTIFICATIONS_OUTBOX],
                [outbox_entry(notification) for notification in write.notifications],
            ),
        ]
        if write.events:
            last = write.events[-1]
            # The seq guard keeps a late retry of an older step from moving the ticket back.
            writes.append(
                self._db[collections.TICKETS].update_one(
                    {"_id": last.ticket_id, "last_event_seq": {"$lt": last.seq}},
                    {
                        "$set": {
                            **restore_dates(write.projection),
                            "last_event_seq": last.seq,
                            "workflow.started": True,
                        }
                    },
                )
            )
        await asyncio.gather(*writes)

    @activity.defn
    async def notify(self, notification: Notification) -> None:
        """Hand an event to notification delivery: the outbox, keyed so a retry is a no-op."""
        with contextlib.suppress(DuplicateKeyError):
            await self._db[collections.NOTIFICATIONS_OUTBOX].insert_one(outbox_entry(notification))

    @activity.defn
    async def assign_agent(self, query: AgentQuery) -> AgentRef | None:
        """Reserve the best agent of the group by the strategy, or None when nobody has room."""
        staff = await assignment.group_staff(db=self._db, group=query.group)
        already = assignment.holding(staff, query.ticket_id)  # a retry finds its first try
        if already is not None:
            return already
        for agent in await assignment.ordered_candidates(db=self._db, query=query, staff=staff):
            if await assignment.reserve(
                db=self._db, agent=agent, ticket_id=query.ticket_id, enforce_capacity=True
            ):
                return AgentRef(id=agent["_id"], name=agent.get("name", ""))
        return None

    @activity.defn
    async def reserve_agent(self, reservation: AgentReservation) -> AgentRef | None:
        """Give the ticket to a named agent (claim, manual assign); None if no such agent."""
        agent = await self._db[collections.USERS].find_one(
            {"_id": reservation.agent_id, "role": {"$in": [r.value for r in STAFF_ROLES]}}
        )
        if agent is None:
            return None
        await assignment.reserve(
            db=self._db, agent=agent, ticket_id=reservation.ticket_id, enforce_capacity=False
        )
        return AgentRef(id=agent["_id"], name=agent.get("name", ""))

    @activity.defn
    async def release_agent(self, release: AgentRelease) -> None:
        """Free the agent's slot and wake the ticket at the head of the group's queue."""
        await assignment.release(
            db=self._db, agent_id=release.agent_id, ticket_id=release.ticket_id
        )
        waiting = await assignment.next_queued_ticket(db=self._db, group=release.group)
        if waiting is not None and waiting != release.ticket_id:
            handle = self._temporal.get_workflow_handle(ticket_workflow_id(waiting))
            with contextlib.suppress(Exception):  # it may have closed meanwhile
                await handle.signal(SignalName.CAPACITY_FREED.value)

    @activity.defn
    async def find_duplicate(self, query: DuplicateQuery) -> DuplicateMerged | None:
        """An open ticket of the same customer, type and category with a near-identical
        title, filed within the window before this one."""
        if query.submitter_id is None or query.window_seconds <= 0:
            return None
        cursor = (
            self._db[collections.TICKETS]
            .find(
                {
                    "submitter.id": query.submitter_id,
                    "category": query.category.value,
                    "type": query.type.value,
                    "status": {"$ne": "closed"},
                    "_id": {"$ne": query.ticket_id},
                    "created_at": {
                        "$gte": query.created_at - timedelta(seconds=query.window_seconds),
                        "$lte": query.created_at,
                    },
                },
                projection={"title": 1, "number": 1},
            )
            .sort("created_at", ASCENDING)
            .limit(DUPLICATE_CANDIDATES)
        )
        return _near_identical(query.title, [other async for other in cursor])

    @activity.defn
    async def customer_history(self, query: CustomerHistoryQuery) -> CustomerHistory:
        """The ticket this one duplicates, if any, and how many tickets of its category the
        customer filed within the repeat window (this one too): one indexed read."""
        if query.submitter_id is None:
            return CustomerHistory(duplicate_of=None, repeats=1)
        duplicate_since = query.created_at - timedelta(seconds=query.duplicate_window_seconds)
        earlier = self._db[collections.TICKETS].find(
            {
                "submitter.id": query.submitter_id,
                "category": query.category.value,
                "created_at": {"$gte": min(duplicate_since, query.repeat_since)},
            },
            projection={"title": 1, "number": 1, "type": 1, "status": 1, "created_at": 1},
        )
        repeats, candidates = 0, []
        async for ticket in earlier:
            created_at = ticket["created_at"]
            repeats += created_at >= query.repeat_since
            if (
                query.duplicate_window_seconds > 0
                and ticket["_id"] != query.ticket_id
                and ticket.get("type") == query.type.value
                and ticket.get("status") != "closed"
                and duplicate_since <= created_at <= query.created_at
            ):
                candidates.append(ticket)
        candidates.sort(key=lambda ticket: ticket["created_at"])
        return CustomerHistory(
            duplicate_of=_near_identical(query.title, candidates[:DUPLICATE_CANDIDATES]),
            repeats=repeats,
        )

    @activity.defn
    async def count_repeats(self, query: RepeatQuery) -> int:
        """How many tickets the customer filed in this category since `since`, this one too."""
        if query.submitter_id is None:
            return 1
        return await self._db[collections.TICKETS].count_documents(
            {
                "submitter.id": query.submitter_id,
                "category": query.category.value,
                "created_at": {"$gte": query.since},
            }
        )

    @activity.defn
    async def write_operation_log(self, entry: OperationLogEntry) -> None:
        """Append an account operation to the operation log (SPEC A4)."""
        with contextlib.suppress(DuplicateKeyError):
            await self._db[collections.OPERATION_LOG].insert_one(
                {"_id": entry.key, **entry.model_dump(mode="python", exclude={"key"})}
            )

    @activity.defn
    async def suggest_answer(self, query: AnswerQuery) -> AutoAnswerReply | None:
        """G1: store an automatic reply linking the FAQ articles that answer the ticket well
        enough; None when none does (or search is down, or no knowledge service is set)."""
        if self._knowledge is None:
            return None
        message_id = f"auto-answer-{query.ticket_id}"
        messages = self._db[collections.TICKET_MESSAGES]
        stored = await self._answer_message(query, message_id)
        if stored is None:
            return None
        try:
            await messages.insert_one(stored)
        except DuplicateKeyError:  # an earlier attempt wrote it: that one is the answer
            stored = await messages.find_one({"_id": message_id}) or stored
        return AutoAnswerReply(
            message_id=message_id,
            article_ids=stored["faq_article_ids"],
            best_score=stored["faq_best_score"],
        )

    async def _answer_message(self, query: AnswerQuery, message_id: str) -> Document | None:
        """The automatic reply for the ticket, unless no article matches well enough."""
        assert self._knowledge is not None
        ticket = await self._db[collections.TICKETS].find_one(
            {"_id": query.ticket_id}, projection={"title": 1, "description": 1, "type": 1}
        )
        if ticket is None:
            return None
        suggested = await self._knowledge.articles_for(
            title=ticket.get("title", ""),
            description=ticket.get("description", ""),
            ticket_type=ticket.get("type"),
            limit=query.max_articles,
        )
        articles = [article for article in suggested if article.score >= query.min_score]
        if not articles:
            return None
        document = new_message_document(
            message_id=message_id,
            ticket_id=query.ticket_id,
            author={"id": "system", "name": "", "role": Role.SYSTEM.value},
            visibility=Visibility.PUBLIC,
            body=reply_text(articles, link=self._knowledge.article_link),
            attachment_ids=[],
            now=utcnow(),
        )
        document["faq_article_ids"] = [article.id for article in articles]
        document["faq_best_score"] = articles[0].score
        return document

    def all(self) -> list[Callable[..., Any]]:
        """Every activity, for the worker."""
        return [
            self.load_config,
            self.record_event,
            self.record_step,
            self.customer_history,
            self.notify,
            self.assign_agent,
            self.reserve_agent,
            self.release_agent,
            self.find_duplicate,
            self.count_repeats,
            self.write_operation_log,
            self.suggest_answer,
        ]
