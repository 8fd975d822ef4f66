"""Building and queueing messages. Nothing here talks to a mail server."""

from collections.abc import Iterable
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from ..core.privacy import ERASED_DOMAIN
from ..extensions import db
from .models import OutboxMessage, OutboxStatus

Recipient = str | tuple[str, str]

# Stored exactly as sent: CRLF line ends and 7-bit transfer encodings, so every SMTP server
# accepts the bytes as they are and the worker never has to parse a message again.
# max_line_length is RFC 5322's hard limit (998), not the 78 of policy.SMTP: with 78 the
# `email` package RFC 2047-encodes any header word longer than that, and a List-Unsubscribe
# URL then reaches mail programs as `=?utf-8?q?=3Chttps=3A//…?=`, which none of them reads.
# Headers now fold only where they must, and never inside a URL or a Message-ID.
WIRE_POLICY = policy.SMTP.clone(cte_type="7bit", max_line_length=998)


def smtp_address(email: str) -> str:
    """The address as SMTP carries it: the domain in IDNA form (`münster.de` →
    `xn--mnster-3ya.de`). Local parts are ASCII: the forms refuse anything else."""
    local, _, domain = email.rpartition("@")
    if not local or not domain:
        return email
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def _address(recipient: Recipient) -> Address:
    if isinstance(recipient, tuple):
        name, email = recipient
        return Address(display_name=name or "", addr_spec=smtp_address(email))
    return Address(addr_spec=smtp_address(recipient))


def build_message(
    to: Recipient,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    attachments: Iterable[tuple[str, str, bytes]] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A text message with an optional HTML alternative and attachments
    (filename, MIME type, content; text attachments are UTF-8 and say so, or a mail
    program would read them as ASCII)."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = _address(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, mimetype, content in attachments:
        maintype, _, subtype = mimetype.partition("/")
        params = {"charset": "utf-8"} if maintype == "text" else None
        msg.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    return msg


def queue_message(msg: EmailMessage, category: str = "") -> OutboxMessage:
    """Puts the message in the outbox; it is sent once the caller's transaction commits.
    A message to an erased person (app.reports.personal_data) is recorded as failed and
    never sent."""
    recipient = msg["To"].addresses[0].addr_spec
    row = OutboxMessage(
        category=category,
        recipient=recipient,
        subject=str(msg["Subject"])[:300],
        raw=msg.as_bytes(policy=WIRE_POLICY),
    )
    if recipient.endswith("@" + ERASED_DOMAIN):
        row.status, row.last_error = OutboxStatus.failed, "the recipient's data was erased"
    db.session.add(row)
    db.session.flush()
    return row


def render_mail(template: str, locale: str, subject, **context) -> tuple[str, str, str | None]:
    """Renders `<template>.txt` (and `<template>.html` if present) in the recipient's language."""
    with force_locale(locale):
        subject_text = str(subject)
        text = render_template(f"{template}.txt", subject=subject_text, **context)
        try:
            html = render_template(f"{template}.html", subject=subject_text, **context)
        except TemplateNotFound:
            html = None
    return subject_text, text, html


def queue_template_mail(
    template: str,
    *,
    to: Recipient,
    locale: str,
    subject,
    attachments: Iterable[tuple[str, str, bytes]] = (),
    category: str | None = None,
    **context,
) -> OutboxMessage:
    subject_text, text, html = render_mail(template, locale, subject, **context)
    msg = build_message(to, subject_text, text, html, attachments=attachments)
    return queue_message(msg, category=category or template.replace("/emails/", "."))
