"""Two processes of each kind against the same servers (devstack/scale.py): a client system
files through both intake processes while one copy of intake, knowledge, notify and the
worker is SIGKILLed in turn (and started again). Every ticket is kept once with its
workflow, every notification delivered once, the login budget and agents' presence are
the same whichever process is asked. (The throughput figures are bench/scale.py's.)"""

import asyncio

from bench.filing import wait_settled
from devstack.scale import Filer, consistency_checks, kill_second_copies, scale_stack

CONCURRENCY = 4
MAX_TICKETS = 400  # the load's bound; it stops once the kills are done
SECONDS_BETWEEN_KILLS = 4.0
SETTLE_LIMIT_SECONDS = 240


async def test_two_copies_of_each_process_keep_every_ticket_and_notification_once() -> None:
    async with scale_stack(2) as stack:
        filer = Filer(urls=stack.intake_urls, key=stack.key)
        stop = asyncio.Event()
        load = asyncio.create_task(filer.run(stop, concurrency=CONCURRENCY, limit=MAX_TICKETS))
        supervising_stop = asyncio.Event()
        supervising = asyncio.create_task(stack.supervisor.supervise(supervising_stop))
        try:
            kills = await kill_second_copies(stack, between=SECONDS_BETWEEN_KILLS)
            await asyncio.sleep(SECONDS_BETWEEN_KILLS)
            stop.set()
            await load
            await wait_settled(stack.db, filer.acknowledged, limit=SETTLE_LIMIT_SECONDS)
            checks = await consistency_checks(stack, filer)
        finally:
            stop.set()
            supervising_stop.set()
            gave_up = await supervising
            await filer.close()
    assert gave_up is None
    assert [kill["process"] for kill in kills] == [
        "intake-2", "knowledge-2", "notify-2", "worker-2",
    ]  # fmt: skip
    assert all(kill["seconds_away"] is not None for kill in kills), kills
    assert filer.acknowledged, filer.seen
    failed = {name: value for name, value in checks.items() if value is False}
    assert not failed, checks
