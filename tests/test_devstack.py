"""The local stack's own pieces: the pinned Meilisearch binary, port checks, the SMTP sink,
the demo seed."""

import socket
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from devstack.meili_binary import MEILI_BINARY, MeiliBinaryError, verified_meili_binary
from devstack.seed import DEMO_PASSWORD, seed_demo_data
from devstack.servers import StackError, check_ports_free, free_port, smtp_sink
from devstack.smtp_sink import read_mail
from services.intake.users.service import verify_password
from shared import collections
from shared.mongo import Database
from shared.settings import Environment, Settings
from tests.conftest import Servers


def test_the_pinned_meilisearch_binary_verifies() -> None:
    assert verified_meili_binary() == MEILI_BINARY


def test_a_binary_with_another_checksum_is_refused(tmp_path: Path) -> None:
    impostor = tmp_path / "meilisearch"
    impostor.write_bytes(b"#!/bin/sh\necho not meilisearch\n")
    with pytest.raises(MeiliBinaryError, match="refusing to run it"):
        verified_meili_binary(impostor)
    with pytest.raises(MeiliBinaryError, match="not found"):
        verified_meili_binary(tmp_path / "missing")


def test_a_taken_port_fails_fast_and_names_it() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        spec = smtp_sink(port=port, maildir=Path("unused"))
        with pytest.raises(StackError, match=rf"{port} \(smtp\)"):
            check_ports_free([spec])
    check_ports_free([smtp_sink(port=free_port(), maildir=Path("unused"))])


async def test_the_smtp_sink_stores_what_it_accepts(servers: Servers) -> None:
    before = len(read_mail(servers.maildir))
    message = EmailMessage()
    message["From"] = "helpdesk@example.com"
    message["To"] = "alice@example.com"
    message["Subject"] = "工单已受理 / Ticket received"
    message.set_content("您的工单 #42 已受理。")
    await aiosmtplib.send(message, hostname="127.0.0.1", port=servers.smtp_port)
    mail = read_mail(servers.maildir)
    assert len(mail) == before + 1
    stored = mail[-1]
    assert stored["Subject"] == "工单已受理 / Ticket received"
    assert stored["X-Envelope-To"] == "alice@example.com"
    assert "#42" in stored.get_content()


async def test_demo_seed_runs_once_and_logins_work(db: Database, settings: Settings) -> None:
    development = settings.model_copy(update={"environment": Environment.DEVELOPMENT})
    assert await seed_demo_data(db, development) is True
    users = db[collections.USERS]
    assert await users.count_documents({}) == 10
    assert await users.count_documents({"role": "agent", "groups": "frontline"}) == 4
    assert await db[collections.GROUPS].count_documents({}) == 4
    assert await db[collections.FAQ_ARTICLES].count_documents({"status": "published"}) >= 10
    # every demo ticket type has an agent with it as a skill
    for ticket_type in ("technical", "account", "order", "product", "complaint"):
        assert await users.count_documents({"role": "agent", "skills": ticket_type}) >= 1

    alice_seeded = await users.find_one({"email": "alice@example.com"})
    assert alice_seeded is not None
    alices_orders = db[collections.ORDERS].find({"customer_id": str(alice_seeded["_id"])})
    assert len([order async for order in alices_orders]) == 2
    greeting = await db[collections.CANNED_RESPONSES].find_one({"_id": "greeting"})
    assert greeting is not None
    assert "{{customer_name}}" in greeting["body"]["zh-CN"]

    admin = await users.find_one({"email": "admin@example.com"})
    assert admin is not None
    assert verify_password(admin["password_hash"], DEMO_PASSWORD)
    assert not verify_password(admin["password_hash"], "not-the-password")

    await users.update_one({"email": "alice@example.com"}, {"$set": {"name": "Alice Liddell"}})
    assert await seed_demo_data(db, development) is False  # once per database
    alice = await users.find_one({"email": "alice@example.com"})
    assert alice is not None
    assert alice["name"] == "Alice Liddell"  # a second start does not overwrite changes


async def test_demo_seed_is_refused_outside_development(db: Database, settings: Settings) -> None:
    production = settings.model_copy(update={"environment": Environment.PRODUCTION})
    with pytest.raises(RuntimeError, match="development"):
        await seed_demo_data(db, production)
    assert await db[collections.USERS].count_documents({}) == 0
