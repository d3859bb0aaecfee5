"""SMTP connection settings in one place, for the notify service and readiness checks."""

import aiosmtplib

from shared.settings import Settings


def create_smtp_client(settings: Settings) -> aiosmtplib.SMTP:
    """An SMTP client for the configured server (not yet connected)."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=password,
        use_tls=settings.smtp_use_tls,
        start_tls=settings.smtp_starttls,
        timeout=settings.readiness_timeout_seconds,
    )


async def check_smtp(settings: Settings) -> None:
    """Raise unless the SMTP server greets us and answers NOOP."""
    smtp = create_smtp_client(settings)
    async with smtp:
        await smtp.noop()
