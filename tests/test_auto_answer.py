"""G1 auto-answer: a new ticket whose text an FAQ article answers gets an automatic public
reply linking it, from the real knowledge service; the first-response clock keeps running;
below the configured score, with the feature off, or with knowledge down there is none."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from temporalio.client import Client

from services.workflows.auto_answer import KnowledgeSuggestions
from services.workflows.worker import build_worker
from shared import collections
from shared.enums import AutoAnswerOutcome
from shared.mongo import Database
from shared.settings import Settings
from shared.tickets import STATE_QUERY, TicketState, ticket_workflow_id
from tests.intake_support import Api, running_api
from tests.knowledge_support import Knowledge
from tests.notify_support import accepting_notifications

RESET_PASSWORD = {
    "question": "忘记密码了怎么办？如何重置密码",
    "answer": "在登录页点击“忘记密码”，输入注册邮箱，按邮件中的链接设置新密码。",
    "type": "account",
    "category": "login",
    "lang": "zh-CN",
}
CONNECTION = {
    "question": "Cannot connect to the server",
    "answer": "Check your network, then the status page; restart the app.",
    "type": "technical",
    "category": "connection",
    "lang": "en",
}


@dataclass
class AnsweringDesk:
    api: Api
    temporal: Client
    articles: dict[str, str]  # name → article id

    async def file_and_settle(self, customer: str = "alice", **ticket: Any) -> dict[str, Any]:
        """File as `customer`; the ticket as an agent sees it once its workflow has tried
        to answer it."""
        filed = await self.api.file(customer, **ticket)
        await self.outcome(filed["id"])
        return await self.api.detail("agent1", filed["id"])

    async def outcome(self, ticket_id: str) -> AutoAnswerOutcome:
        """What the ticket's automatic answer came to, once its workflow has tried."""
        handle = self.temporal.get_workflow_handle(ticket_workflow_id(ticket_id))
        for _ in range(300):  # the unavailable case takes about 3 s
            state: TicketState = await handle.query(STATE_QUERY, result_type=TicketState)
            if state.auto_answer is not None:
                return state.auto_answer
            await asyncio.sleep(0.05)
        raise AssertionError("the workflow never tried to answer the ticket")


@contextlib.asynccontextmanager
async def answering_desk(
    settings: Settings, db: Database, temporal: Client, knowledge: Knowledge, **suggest: Any
) -> AsyncIterator[AnsweringDesk]:
    """Intake, and a ticket worker that asks the knowledge service (in process)."""
    articles = {
        "reset": (await knowledge.article(**RESET_PASSWORD))["id"],
        "connection": (await knowledge.article(**CONNECTION))["id"],
    }
    await knowledge.in_step()
    http = suggest.get("http", knowledge.client)
    suggestions = KnowledgeSuggestions(http, knowledge.settings)
    async with (
        build_worker(temporal, db, settings.temporal_task_queue, suggestions),
        accepting_notifications(temporal, db, settings.temporal_task_queue),
        contextlib.aclosing(running_api(settings, db)) as apis,
    ):
        async for api in apis:
            yield AnsweringDesk(api=api, temporal=temporal, articles=articles)


def automatic(detail: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in detail["messages"] if m["author"]["role"] == "system"]


async def test_a_ticket_an_article_answers_gets_an_automatic_reply(
    settings: Settings, db: Database, temporal: Client, knowledge: Knowledge
) -> None:
    async with answering_desk(settings, db, temporal, knowledge) as desk:
        detail = await desk.file_and_settle(
            type="account", category="login", title="忘记密码了", description="登录不上"
        )
        [reply] = automatic(detail)
        assert reply["visibility"] == "public"
        article_url = knowledge.settings.faq_article_link(desk.articles["reset"])
        assert article_url in reply["body"]
        assert RESET_PASSWORD["question"] in reply["body"]
        assert reply["body"].startswith("您好")  # in the language of the article
        assert desk.articles["connection"] not in reply["body"]
        # Automatic: the customer still waits for a person, so the response clock runs.
        assert detail["first_response_at"] is None
        assert detail["sla"]["response"]["state"] != "met"
        [event] = [h for h in detail["history"] if h["action"] == "auto_replied"]
        assert event["actor"]["role"] == "system"
        assert await desk.outcome(detail["id"]) is AutoAnswerOutcome.REPLIED
        # The customer reads the same reply in the conversation.
        customers_view = await desk.api.detail("alice", detail["id"])
        assert [m["id"] for m in automatic(customers_view)] == [reply["id"]]


async def test_no_automatic_reply_when_nothing_matches_well_enough(
    settings: Settings, db: Database, temporal: Client, knowledge: Knowledge
) -> None:
    async with answering_desk(settings, db, temporal, knowledge) as desk:
        detail = await desk.file_and_settle(
            type="technical",
            category="performance",
            title="Partnership proposal",
            description="We would like to discuss a reseller agreement.",
        )
        assert automatic(detail) == []
        assert await desk.outcome(detail["id"]) is AutoAnswerOutcome.NO_MATCH
        assert not await desk.api.db[collections.TICKET_MESSAGES].find_one(
            {"_id": f"auto-answer-{detail['id']}"}
        )


async def test_the_desk_settings_decide(
    settings: Settings, db: Database, temporal: Client, knowledge: Knowledge
) -> None:
    login = {"type": "account", "category": "login", "description": "一直提示密码错误"}
    async with answering_desk(settings, db, temporal, knowledge) as desk:
        control = await desk.file_and_settle("alice", title="密码重置", **login)
        [reply] = automatic(control)
        stored = await db[collections.TICKET_MESSAGES].find_one({"_id": reply["id"]})
        assert stored is not None
        score = stored["faq_best_score"]
        assert 0.9 <= score < 1.0

        async def configure(auto_answer: dict[str, Any]) -> None:
            body = {"auto_answer": auto_answer}
            changed = await desk.api.call("admin", "PUT", "/v1/admin/settings", json=body)
            assert changed.status_code == 200, changed.text

        await configure({"min_score": round(score + 0.0001, 4)})
        above = await desk.file_and_settle("bob", title="密码重置", **login)
        assert automatic(above) == []
        assert await desk.outcome(above["id"]) is AutoAnswerOutcome.NO_MATCH
        await configure({"min_score": 0.5, "enabled": False})
        disabled = await desk.file_and_settle("alice", title="重置密码", **login)
        assert automatic(disabled) == []
        assert await desk.outcome(disabled["id"]) is AutoAnswerOutcome.DISABLED
        refused = await desk.api.call(
            "admin", "PUT", "/v1/admin/settings", json={"auto_answer": {"min_score": 2}}
        )
        assert refused.status_code == 422


async def test_knowledge_down_costs_the_ticket_nothing_but_the_reply(
    settings: Settings, db: Database, temporal: Client, knowledge: Knowledge
) -> None:
    # Nothing listens on port 9 of 127.0.0.1 (discard): every attempt is refused.
    async with (
        httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=1) as nowhere,
        answering_desk(settings, db, temporal, knowledge, http=nowhere) as desk,
    ):
        filed = await desk.api.file("alice", type="account", category="login", title="忘记密码了")
        assigned = await desk.api.wait_for("agent1", filed["id"], status="processing")
        assert assigned["assignee"] is not None
        # The workflow gives up on the answer after three attempts and serves the ticket.
        assert await desk.outcome(filed["id"]) is AutoAnswerOutcome.UNAVAILABLE
        reply = await desk.api.call(
            "agent1",
            "POST",
            f"/v1/tickets/{filed['id']}/messages",
            json={"body": "我来帮您处理。", "visibility": "public"},
        )
        assert reply.status_code == 201, reply.text
        detail = await desk.api.detail("alice", filed["id"])
        assert automatic(detail) == []
        assert detail["first_response_at"] is not None
