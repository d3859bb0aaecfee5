"""A new ticket's first steps: its SLA clocks, the automatic FAQ answer (G1), the
escalation of a customer who keeps filing the same problem (D2) and the first assignment."""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from services.workflows.activities import TicketActivities
    from services.workflows.models import (
        AnswerQuery,
        Audience,
        AutoAnswerReply,
        CustomerHistory,
        CustomerHistoryQuery,
        DuplicateQuery,
        RepeatQuery,
    )
    from shared.desk_config import DeskConfig
    from shared.enums import (
        AutoAnswerOutcome,
        EscalationLevel,
        TicketStatus,
    )
    from shared.sla import SlaClock
    from shared.ticket.vocabulary import NotifyEvent
    from shared.ticket_updates import (
        AddMessageRequest,
    )
    from shared.tickets import (
        TicketStart,
    )
from services.workflows.ticket.policies import (
    AUTO_ANSWER_PATCH,
    AUTO_ANSWER_RETRY,
    LOCAL_ACTIVITY_TIMEOUT,
    SYSTEM,
)
from services.workflows.ticket.steps import TicketSteps


class TicketOpening(TicketSteps):
    def _start_clocks(self, start: TicketStart, config: DeskConfig) -> None:
        self._state.config = config
        target = config.sla.target(start.priority)
        self._state.response = SlaClock(
            target_seconds=target.response_seconds, started_at=start.created_at
        )
        self._state.resolution = SlaClock(
            target_seconds=target.resolution_seconds, started_at=start.created_at
        )

    async def _begin(self, start: TicketStart) -> None:
        config = await self._activity(TicketActivities.load_config, None)
        self._start_clocks(start, config)
        self._notify(NotifyEvent.RECEIVED, Audience(customer=True))
        async with self._step():
            original = await self._activity(
                TicketActivities.find_duplicate,
                DuplicateQuery(
                    ticket_id=start.ticket_id,
                    submitter_id=start.submitter.id,
                    type=start.type,
                    category=start.category,
                    title=start.title,
                    created_at=start.created_at,
                    window_seconds=config.desk.duplicate_window_seconds,
                ),
            )
            if original is not None:
                await self._merge(original.ticket_id, SYSTEM, "same problem filed again")
                return
            if not await self._escalate_repeat_customer(start, config):
                await self._try_assign()
        if workflow.patched(AUTO_ANSWER_PATCH):
            await self._auto_answer()

    async def _begin_batched(self, start: TicketStart) -> None:
        """The first steps of a new ticket, written as one step: its history so far and
        projection once, its notifications in one hand-over."""
        self._start_clocks(start, await self._activity(TicketActivities.load_config, None))
        config = self._config()
        self._notify(NotifyEvent.RECEIVED, Audience(customer=True))
        async with self._step(flush=False):  # the automatic answer's step writes it all
            repeat = config.desk.repeat_escalation
            history: CustomerHistory = await self._activity(
                TicketActivities.customer_history,
                CustomerHistoryQuery(
                    ticket_id=start.ticket_id,
                    submitter_id=start.submitter.id,
                    type=start.type,
                    category=start.category,
                    title=start.title,
                    created_at=start.created_at,
                    duplicate_window_seconds=config.desk.duplicate_window_seconds,
                    repeat_since=start.created_at - timedelta(seconds=repeat.window_seconds),
                ),
            )
            if history.duplicate_of is not None:
                original = history.duplicate_of.ticket_id
                await self._merge(original, SYSTEM, "same problem filed again")
            elif not await self._escalate_if_repeated(start, history.repeats):
                await self._try_assign()
        reply: AutoAnswerReply | AutoAnswerOutcome | None = None
        if self._state.status is not TicketStatus.CLOSED:  # not merged into an earlier one
            reply = await self._suggest_answer()  # outside the lock: it asks another service
        async with self._step():
            if reply is not None:
                await self._post_auto_answer(reply)

    async def _auto_answer(self) -> None:
        """G1: reply with the FAQ articles that match the ticket well enough. Automatic, so
        the first-response clock keeps running."""
        reply = await self._suggest_answer()
        async with self._step():
            await self._post_auto_answer(reply)

    async def _suggest_answer(self) -> AutoAnswerReply | AutoAnswerOutcome:
        """The automatic reply stored for the ticket, or why there is none."""
        settings = self._config().desk.auto_answer
        if not settings.enabled:
            return AutoAnswerOutcome.DISABLED
        query = AnswerQuery(
            ticket_id=self._state.ticket_id,
            min_score=settings.min_score,
            max_articles=settings.max_articles,
        )
        try:
            reply = await workflow.execute_local_activity_method(
                TicketActivities.suggest_answer,
                query,
                start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT,
                retry_policy=AUTO_ANSWER_RETRY,
            )
        except (ActivityError, ApplicationError) as exc:
            # A local activity's last failure can arrive unwrapped (an ApplicationError).
            workflow.logger.warning("no automatic answer for %s: %s", query.ticket_id, exc)
            return AutoAnswerOutcome.UNAVAILABLE
        return AutoAnswerOutcome.NO_MATCH if reply is None else reply

    async def _post_auto_answer(self, reply: AutoAnswerReply | AutoAnswerOutcome) -> None:
        """Send the stored automatic reply (called holding the lock)."""
        if isinstance(reply, AutoAnswerOutcome):
            self._state.auto_answer = reply
            return
        if self._state.status is not TicketStatus.CLOSED:
            await self._message(
                AddMessageRequest(actor=SYSTEM, message_id=reply.message_id, automatic=True)
            )
        self._state.auto_answer = AutoAnswerOutcome.REPLIED

    async def _escalate_repeat_customer(self, start: TicketStart, config: DeskConfig) -> bool:
        repeat = config.desk.repeat_escalation
        count = await self._activity(
            TicketActivities.count_repeats,
            RepeatQuery(
                ticket_id=start.ticket_id,
                submitter_id=start.submitter.id,
                category=start.category,
                since=start.created_at - timedelta(seconds=repeat.window_seconds),
            ),
        )
        return await self._escalate_if_repeated(start, count)

    async def _escalate_if_repeated(self, start: TicketStart, count: int) -> bool:
        """Start at level 1 when the customer keeps filing the same category (D2): `count`
        tickets of it within the repeat window; whether it did (escalating assigns within
        the new group)."""
        if count < self._config().desk.repeat_escalation.count:
            return False
        await self._move_to_level(
            EscalationLevel.SENIOR_SUPPORT,
            SYSTEM,
            f"{count} {start.category.value} tickets within the repeat window",
        )
        return True
