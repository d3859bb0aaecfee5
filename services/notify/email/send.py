"""Handing an e-mail delivery to the SMTP server, with SMTP's answer turned into "retry"
(4xx, no connection) or "never" (5xx)."""

import aiosmtplib

from services.notify.deliveries.errors import PermanentDeliveryError, TransientDeliveryError
from services.notify.email.render import email_message
from shared.mail import create_smtp_client
from shared.mongo import Document
from shared.settings import Settings


async def send_email(*, settings: Settings, delivery: Document) -> None:
    """Send one stored e-mail delivery; raises a delivery error when it was not accepted."""
    recipient = delivery["recipient"]
    message = email_message(
        sender=settings.smtp_from,
        to=recipient["email"],
        name=recipient.get("name", ""),
        email=delivery["email"],
        message_id=f"<{_local_part(delivery['_id'])}@helpdesk>",
    )
    try:
        async with create_smtp_client(settings) as smtp:
            await smtp.send_message(message)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [error.code for error in exc.recipients]
        if all(400 <= code < 500 for code in codes):
            raise TransientDeliveryError(str(exc)[:300]) from exc
        raise PermanentDeliveryError(str(exc)[:300]) from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 400 <= exc.code < 500:
            raise TransientDeliveryError(f"{exc.code} {exc.message}"[:300]) from exc
        raise PermanentDeliveryError(f"{exc.code} {exc.message}"[:300]) from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise TransientDeliveryError(f"{type(exc).__name__}: {exc}"[:300]) from exc


def _local_part(delivery_id: str) -> str:
    """The delivery id as the left-hand side of a Message-ID (no spaces, '@' or '<>')."""
    return "".join(c if c.isalnum() or c in "-._" else "." for c in delivery_id)
