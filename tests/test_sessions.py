"""Browser sessions (K1): the token in an HttpOnly cookie, CSRF on every change made with
it, and logins throttled by their failures only."""

from shared.session import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from tests.intake_support import NEW_TICKET, PASSWORD, Api, email_of


async def log_in(api: Api, name: str) -> str:
    response = await api.client.post(
        "/v1/auth/session", json={"email": email_of(name), "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in session
    assert "SameSite=strict" in session
    assert response.json()["user"]["email"] == email_of(name)
    assert "access_token" not in response.text  # the page never sees the token
    return response.cookies[CSRF_COOKIE]


async def test_a_session_cookie_reads_and_changes_only_with_its_csrf_token(api: Api) -> None:
    csrf = await log_in(api, "alice")
    me = await api.client.get("/v1/me")
    assert me.json()["email"] == email_of("alice")

    forged = await api.client.post("/v1/tickets", json=NEW_TICKET)
    assert (forged.status_code, forged.json()["error"]["code"]) == (403, "csrf_failed")
    wrong = await api.client.post("/v1/tickets", json=NEW_TICKET, headers={CSRF_HEADER: "x" * 64})
    assert wrong.status_code == 403
    assert await api.db["tickets"].count_documents({}) == 0  # refused, nothing filed

    filed = await api.client.post("/v1/tickets", json=NEW_TICKET, headers={CSRF_HEADER: csrf})
    assert filed.status_code == 201, filed.text

    out = await api.client.delete("/v1/auth/session", headers={CSRF_HEADER: csrf})
    assert out.status_code == 204
    assert (await api.client.get("/v1/me")).status_code == 401


async def test_a_bearer_token_needs_no_csrf_token(api: Api) -> None:
    await log_in(api, "alice")  # a cookie beside it changes nothing for a program
    response = await api.call("bob", "POST", "/v1/tickets", json=NEW_TICKET)
    assert response.status_code == 201
    assert response.json()["submitter"]["email"] == email_of("bob")


async def test_an_office_behind_one_address_logs_in_at_once(api: Api) -> None:
    # 30 right logins from one address in a moment: none is throttled
    names = ["agent1", "agent2", "senior", "tech", "manager", "admin"] * 5
    statuses = [
        (
            await api.client.post(
                "/v1/auth/token", data={"username": email_of(name), "password": PASSWORD}
            )
        ).status_code
        for name in names
    ]
    assert statuses == [200] * 30


async def test_wrong_passwords_from_one_address_are_throttled_whoever_they_try(api: Api) -> None:
    # 30 failures a minute from one address: the budget refills as the attempts go on
    # (each takes a password check's time), so count until the first refusal.
    statuses = []
    for index in range(80):
        response = await api.client.post(
            "/v1/auth/token", data={"username": f"nobody{index}@example.com", "password": "x"}
        )
        statuses.append(response.status_code)
        if response.status_code != 401:
            break
    assert statuses[:30] == [401] * 30
    assert statuses[-1] == 429
    assert response.json()["error"]["code"] == "rate_limited"
    # and a right password from there now waits too: the address is the one guessing
    right = await api.client.post(
        "/v1/auth/token", data={"username": email_of("alice"), "password": PASSWORD}
    )
    assert right.status_code == 429
