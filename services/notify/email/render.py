"""A notification as an e-mail: subject, plain text and HTML from Jinja2 templates, in the
recipient's language (zh-CN unless it is English)."""

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notify.email.catalog import CLOCK, STATUS, WORDING

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_FRAME = {
    "zh-CN": {"greeting": "{name}，您好：", "link": "查看工单", "signature": "客服中心"},
    "en": {"greeting": "Hello {name},", "link": "View the ticket", "signature": "Support team"},
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    summary: str  # the message's lines as one paragraph (the in-app inbox shows it)
    text: str
    html: str


def language_of(preferred: str | None) -> str:
    return "en" if (preferred or "").lower().startswith("en") else "zh-CN"


def render(
    *, event: str, language: str | None, name: str, payload: dict[str, Any], ticket_url: str
) -> RenderedEmail:
    """The e-mail for `event` (a SPEC J2 event name) in the recipient's language."""
    lang = language_of(language)
    wording = WORDING[lang][event]
    values = {
        "number": payload.get("number", ""),
        "title": payload.get("title", ""),
        "status": STATUS[lang].get(str(payload.get("status", "")), payload.get("status", "")),
        "clock": CLOCK[lang].get(str(payload.get("clock", "")), payload.get("clock", "")),
    }
    frame = _FRAME[lang]
    subject = wording.subject.format(**values)
    context: dict[str, Any] = {
        "lang": lang,
        "subject": subject,
        "greeting": frame["greeting"].format(name=name or ""),
        "lines": [line.format(**values) for line in wording.lines],
        "message": payload.get("message"),
        "link_label": frame["link"],
        "ticket_url": ticket_url,
        "signature": frame["signature"],
    }
    return RenderedEmail(
        subject=subject,
        summary=" ".join(context["lines"]),
        text=_TEMPLATES.get_template("email.txt.j2").render(context),
        html=_TEMPLATES.get_template("email.html.j2").render(context),
    )


def email_message(
    *, sender: str, to: str, name: str, email: dict[str, str], message_id: str
) -> EmailMessage:
    """The MIME message of a stored e-mail delivery: plain text with an HTML alternative.
    Its Message-ID is the delivery's, so a resend after a crash is recognisable."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((name, to)) if name else to
    message["Subject"] = email["subject"]
    message["Message-ID"] = message_id
    message.set_content(email["text"])
    message.add_alternative(email["html"], subtype="html")
    return message
