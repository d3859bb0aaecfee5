"""FAQ search on the real Meilisearch: indexing from MongoDB, typos, Chinese word order,
synonyms, filters and facets, status rules, solutions for agents only."""

import pytest

from shared import collections
from tests.knowledge_support import Knowledge, seed_faq


async def test_a_published_article_is_found_and_a_draft_is_not(knowledge: Knowledge) -> None:
    published = await knowledge.article(
        question="How do I export my invoices as PDF?",
        answer="Open **Billing → Invoices**, tick the invoices, click *Export PDF*.",
        type="order",
        category="invoice",
        tags=["invoice", "pdf"],
    )
    draft = await knowledge.article(
        question="How do I export my quarterly invoices as CSV?",
        answer="Not ready yet.",
        type="order",
        category="invoice",
        status="draft",
    )
    await knowledge.in_step()
    result = await knowledge.search(q="export invoices")
    assert [hit["id"] for hit in result["hits"]] == [published["id"]]
    hit = result["hits"][0]
    assert hit["score"] > 0.5
    assert "<mark>" in hit["highlighted"]
    assert "Billing → Invoices" in hit["snippet"]  # Markdown stripped for the snippet
    assert result["facets"]["category"] == {"invoice": 1}

    # Drafts: not in the public list or search, visible to agents.
    listed = (await knowledge.client.get("/v1/articles")).json()["items"]
    assert [article["id"] for article in listed] == [published["id"]]
    hidden = await knowledge.client.get(f"/v1/articles/{draft['id']}")
    assert hidden.status_code == 404
    agents = await knowledge.client.get(
        "/v1/agent-search", params={"q": "quarterly CSV"}, headers=knowledge.agent
    )
    assert agents.status_code == 200, agents.text
    assert agents.json()["hits"][0]["id"] == draft["id"]

    # Publishing it, then deleting it: search follows.
    response = await knowledge.client.put(
        f"/v1/articles/{draft['id']}", json={"status": "published"}, headers=knowledge.agent
    )
    assert response.status_code == 200, response.text
    await knowledge.in_step()
    assert [h["id"] for h in (await knowledge.search(q="quarterly CSV"))["hits"]] == [draft["id"]]
    deleted = await knowledge.client.delete(f"/v1/articles/{draft['id']}", headers=knowledge.agent)
    assert deleted.status_code == 204
    await knowledge.in_step()
    assert (await knowledge.search(q="quarterly CSV"))["hits"] == []
    assert await knowledge.db[collections.FAQ_ARTICLES].count_documents({}) == 1


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("pasword reset", "reset-password-en"),  # typo
        ("forgot my pasword", "reset-password-en"),
        ("密码重置", "reset-password-zh"),  # other word order than 如何重置密码
        ("忘了密码", "reset-password-zh"),  # synonym
        ("连不上服务器", "cannot-connect-zh"),  # synonym of 无法连接
        ("退钱", "refund-zh"),  # synonym of 退款
    ],
)
async def test_typos_word_order_and_synonyms(knowledge: Knowledge, query: str, slug: str) -> None:
    await seed_faq(knowledge.db)
    await knowledge.in_step()
    result = await knowledge.search(q=query)
    ids = [hit["id"] for hit in result["hits"][:3]]
    expected = await knowledge.db[collections.FAQ_ARTICLES].find_one({"slug": slug})
    assert expected is not None
    assert expected["_id"] in ids, [hit["question"] for hit in result["hits"]]


async def test_filters_and_language(knowledge: Knowledge) -> None:
    await seed_faq(knowledge.db)
    await knowledge.in_step()
    both = await knowledge.search(q="password")
    english = await knowledge.search(q="password", lang="en")
    assert {hit["lang"] for hit in english["hits"]} == {"en"}
    assert len(both["hits"]) >= len(english["hits"])
    orders = await knowledge.search(q="", type="order")
    assert orders["hits"]
    assert {hit["type"] for hit in orders["hits"]} == {"order"}
    bad = await knowledge.client.get("/v1/search", params={"q": "x", "type": "spaceship"})
    assert bad.status_code == 422
    injected = await knowledge.client.get(
        "/v1/search", params={"q": "x", "lang": 'en" OR status = "draft'}
    )
    assert injected.status_code == 422


async def test_solutions_are_for_agents_only(knowledge: Knowledge) -> None:
    body = {
        "ticket_id": "t-1",
        "ticket_number": 42,
        "problem": "Webhook deliveries fail with TLS handshake error",
        "cause": "Customer proxy strips SNI",
        "fix": "Ask them to allow SNI passthrough for hooks.example.com",
        "type": "technical",
        "category": "configuration",
        "lang": "en",
    }
    refused = await knowledge.client.post("/v1/solutions", json=body, headers=knowledge.customer)
    assert refused.status_code == 403
    created = await knowledge.client.post("/v1/solutions", json=body, headers=knowledge.agent)
    assert created.status_code == 201, created.text
    await knowledge.in_step()
    assert (await knowledge.search(q="TLS handshake SNI"))["hits"] == []
    anonymous = await knowledge.client.get("/v1/agent-search", params={"q": "TLS handshake"})
    assert anonymous.status_code == 401
    agents = await knowledge.client.get(
        "/v1/agent-search", params={"q": "TLS handshake"}, headers=knowledge.agent
    )
    [hit] = agents.json()["hits"]
    assert (hit["kind"], hit["ticket_number"]) == ("solution", 42)
    assert 0 < hit["score"] <= 1


async def test_suggestions_for_a_ticket_being_written(knowledge: Knowledge) -> None:
    await seed_faq(knowledge.db)
    await knowledge.in_step()
    response = await knowledge.client.post(
        "/v1/suggest",
        json={"title": "忘记密码了", "description": "登录时提示密码错误，想重置一下"},
    )
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    expected = await knowledge.db[collections.FAQ_ARTICLES].find_one({"slug": "reset-password-zh"})
    assert expected is not None
    assert hits[0]["id"] == expected["_id"]
    assert all(hit["lang"] == "zh-CN" for hit in hits)
    assert 0.9 < hits[0]["score"] <= 1
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    # A long description does not drown a title that names the problem, and a vague title
    # does not hide a description that does.
    for title, description, slug in [
        (
            "Refund not received",
            "I asked for a refund last week; nothing came back. " * 3,
            "refund-not-received-en",
        ),
        ("求助", "客户端连不上服务器，一直转圈", "cannot-connect-zh"),
    ]:
        body = {"title": title, "description": description}
        [best, *_] = (await knowledge.client.post("/v1/suggest", json=body)).json()["hits"]
        article = await knowledge.db[collections.FAQ_ARTICLES].find_one({"slug": slug})
        assert article is not None
        assert best["id"] == article["_id"], (title, best)
        if title.startswith("Refund"):  # as sure as the title alone: enough to auto-answer
            assert best["score"] >= 0.9, best
