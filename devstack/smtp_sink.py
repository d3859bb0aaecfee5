"""Local SMTP sink: accepts every message and stores it in a Maildir folder.

`python -m devstack.smtp_sink --port 1025 --maildir var/mail`; read the mail with
`read_mail(maildir)` or any Maildir reader (mutt -f var/mail).
"""

import argparse
import asyncio
import mailbox
import signal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class MaildirHandler:
    """Stores each accepted message, with its envelope in X-Envelope-* headers."""

    def __init__(self, maildir: Path) -> None:
        self._box = mailbox.Maildir(maildir, create=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        headers = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        # Maildir writes to tmp/ then renames into new/: a reader never sees half a message.
        await asyncio.to_thread(self._box.add, headers + content)
        return "250 Message accepted for delivery"


def read_mail(maildir: Path) -> list[EmailMessage]:
    """Every message in the sink, oldest first."""
    new = Path(maildir) / "new"
    if not new.is_dir():
        return []
    files = sorted(new.iterdir(), key=lambda path: (path.stat().st_mtime_ns, path.name))
    messages: list[EmailMessage] = []
    for path in files:
        parsed: Any = message_from_bytes(path.read_bytes(), policy=policy.default)
        messages.append(parsed)
    return messages


async def serve(host: str, port: int, maildir: Path) -> None:
    handler = MaildirHandler(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="helpdesk-sink"), host, port)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, default=Path("var/mail"))
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.maildir))


if __name__ == "__main__":
    main()
