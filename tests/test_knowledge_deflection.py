"""Deflection (H3): sessions that searched and filed no ticket."""

from datetime import timedelta

from shared import collections
from shared.clock import utcnow
from tests.knowledge_support import Knowledge


async def test_deflection_counts_sessions_that_filed_no_ticket(knowledge: Knowledge) -> None:
    article = await knowledge.article(question="How do I change my e-mail address?", answer="z")
    await knowledge.in_step()
    for session in ("s-solved", "s-filed", "s-gave-up"):
        await knowledge.search(q="change e-mail", session=session)
    await knowledge.search(q="quantum flux capacitor", session="s-gave-up")
    vote = await knowledge.client.post(
        f"/v1/articles/{article['id']}/vote", json={"helpful": True, "session": "s-solved"}
    )
    assert vote.status_code == 204
    await knowledge.db[collections.TICKETS].insert_one(
        {"_id": "t-1", "source": {"channel": "web", "session": "s-filed"}}
    )
    start = (utcnow() - timedelta(hours=1)).isoformat()
    report = await knowledge.client.get(
        "/v1/stats/deflection", params={"from": start}, headers=knowledge.agent
    )
    assert report.status_code == 200, report.text
    figures = report.json()
    assert figures["searches"] == 4
    assert figures["sessions"] == 3
    assert figures["sessions_with_ticket"] == 1
    assert figures["deflected_sessions"] == 2
    assert figures["self_solved"] == 1
    assert figures["deflection_rate"] == round(2 / 3, 4)
    assert figures["top_queries_without_result"] == [
        {"query": "quantum flux capacitor", "count": 1}
    ]
    assert (await knowledge.client.get("/v1/stats/deflection")).status_code == 401
