"""One message to many readers, rendered once: `MessageTemplate` turns a message built with
stand-ins (marks) into wire bytes once; `fill()` then makes each reader's message on bytes,
substituting only what differs (their address, a token, the Message-ID).

Substituting on the finished bytes alone would break: a body goes on the wire
quoted-printable or base64, where a mark may be split across lines or not be readable at
all. So the template keeps each text part that holds a mark as text, its lines without a
mark encoded quoted-printable once and the few lines with one encoded per reader
(`binascii.b2a_qp`, in C; quoted-printable wraps each line on its own, so encoding line by
line gives the same bytes), and everything else (headers, boundaries, parts without
marks, attachments) as the bytes the `email` package wrote. A mark in a header must be plain ASCII there (a URL, an id): that
header is written unfolded and unencoded by `WIRE_POLICY` and is substituted on bytes.
The To header and anything else per reader go in `fill(head=…)`, built with `to_header()`."""

import base64
import binascii
from collections.abc import Iterable, Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr

import sqlalchemy as sa
from flask import current_app
from markupsafe import escape

from ..extensions import db
from .models import MailTemplate
from .services import WIRE_POLICY, smtp_address

_PART_MARK = "NBTEMPLATEPART{}x7c2e"


class MessageTemplate:
    """A message rendered once with `marks` (the stand-in strings) left open; `of()` makes
    one from a built message, `from_record()` from its stored `MailTemplate` row."""

    def __init__(self, skeleton: bytes, parts: list[tuple[str, str, bool]], marks: list[str]):
        self.skeleton = skeleton
        self.parts = [(mark, text, html) for mark, text, html in parts]
        self.marks = list(marks)
        self._parts = [
            (mark.encode("ascii"), _segments(text, self.marks), html)
            for mark, text, html in self.parts
        ]
        head = skeleton.partition(b"\r\n\r\n")[0]
        self._header_marks = [m for m in self.marks if m.encode("ascii") in head]

    @classmethod
    def of(cls, msg: EmailMessage, marks: list[str]) -> "MessageTemplate":
        """`msg` (not changed) as a template: each text part holding a mark is kept as text
        (CRLF line ends) and stands in the bytes as a one-line ASCII mark of its own."""
        skeleton = _copy(msg)
        parts = []
        for part in skeleton.walk():
            if part.is_multipart() or part.get_content_maintype() != "text":
                continue
            text = part.get_content()
            if not any(mark in text for mark in marks):
                continue
            part_mark = _PART_MARK.format(len(parts))
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
            parts.append((part_mark, text, part.get_content_subtype() == "html"))
            part.set_payload(part_mark)  # ASCII, one line: the generator writes it as it is
            del part["Content-Transfer-Encoding"]
            part["Content-Transfer-Encoding"] = "quoted-printable"
        return cls(skeleton.as_bytes(policy=WIRE_POLICY), parts, marks)

    def record(self) -> MailTemplate:
        return MailTemplate(
            skeleton=self.skeleton,
            parts=[list(part) for part in self.parts],
            marks=self.marks,
        )

    @classmethod
    def from_record(cls, record: MailTemplate) -> "MessageTemplate":
        return cls(record.skeleton, [tuple(part) for part in record.parts], record.marks)

    def fill(self, values: Mapping[str, str], head: str = "") -> bytes:
        """One reader's message: `values` maps each mark to its value (escaped in HTML
        parts); `head` holds whole header lines (CRLF-ended) put before the others."""
        raw = self.skeleton
        for mark in self._header_marks:
            raw = raw.replace(mark.encode("ascii"), values[mark].encode("ascii"))
        for part_mark, segments, html in self._parts:
            filled = []
            for segment in segments:
                if isinstance(segment, str):  # a line with marks
                    for mark in self.marks:
                        value = values[mark]
                        segment = segment.replace(mark, str(escape(value)) if html else value)
                    segment = _encoded_line(segment)
                filled.append(segment)
            raw = raw.replace(part_mark, b"".join(filled), 1)
        return head.encode("ascii") + raw if head else raw


def _segments(text: str, marks: list[str]) -> list[bytes | str]:
    """`text` (CRLF line ends) as quoted-printable bytes, except its lines holding a mark,
    left as text to be filled and encoded per reader; neighbouring encoded lines joined."""
    segments: list[bytes | str] = []
    *ended, last = text.split("\n")  # lines end at LF only, as quoted-printable sees them
    for line in [line + "\n" for line in ended] + ([last] if last else []):
        if any(mark in line for mark in marks):
            segments.append(line)
        elif segments and isinstance(segments[-1], bytes):
            segments[-1] += _encoded_line(line)
        else:
            segments.append(_encoded_line(line))
    return segments


def _encoded_line(line: str) -> bytes:
    """One line quoted-printable, soft breaks as CRLF: a last line without its line end is
    encoded as if it had one (else `b2a_qp` would break it with a bare LF), which also
    encodes a space at its end, as for the whole text."""
    if line.endswith("\r\n"):
        return binascii.b2a_qp(line.encode("utf-8"), istext=True)
    return binascii.b2a_qp((line + "\r\n").encode("utf-8"), istext=True)[:-2]


def to_header(name: str, email: str) -> str:
    """`To: …` with CRLF for a reader, as the `email` package writes it: an ASCII name
    quoted where it must be; a non-ASCII name that fits one RFC 2047 word (75 characters)
    as that word, made here in microseconds; a longer one folded by the `email` package
    itself (it leaves the ASCII words plain, which every parser reads back alike)."""
    address = smtp_address(email)
    if name.isascii():
        return f"To: {formataddr((name, address))}\r\n"
    encoded = name.encode("utf-8")
    if len(encoded) <= _WORD_BYTES:
        return f"To: =?utf-8?b?{base64.b64encode(encoded).decode('ascii')}?= <{address}>\r\n"
    header = WIRE_POLICY.header_factory("To", Address(display_name=name, addr_spec=address))
    return WIRE_POLICY.fold("To", header)


_WORD_BYTES = 45  # base64 of 45 bytes is 60 characters: with `=?utf-8?b?` and `?=`, 72


def _copy(msg: EmailMessage) -> EmailMessage:
    from email import message_from_bytes, policy

    return message_from_bytes(msg.as_bytes(policy=WIRE_POLICY), policy=policy.default)


_CACHE_KEY = "mail.templates"
_CACHE_SIZE = 64


def stored_templates(ids: Iterable[int]) -> dict[int, MessageTemplate]:
    """The templates `ids` from the database, kept in the process (a template row never
    changes; its creation time tells it from a row with the same id in another database)."""
    ids = set(ids)
    if not ids:
        return {}
    cache = current_app.extensions.setdefault(_CACHE_KEY, {})
    stamps = dict(
        db.session.execute(
            sa.select(MailTemplate.id, MailTemplate.created_at).where(MailTemplate.id.in_(ids))
        ).all()
    )
    missing = [id_ for id_, stamp in stamps.items() if cache.get(id_, (None,))[0] != stamp]
    if missing:
        if len(cache) + len(missing) > _CACHE_SIZE:
            cache.clear()
        for record in db.session.scalars(
            sa.select(MailTemplate).where(MailTemplate.id.in_(missing))
        ):
            cache[record.id] = (record.created_at, MessageTemplate.from_record(record))
    return {id_: cache[id_][1] for id_ in stamps}


def message_bytes(raw: bytes, template: MessageTemplate | None, fields: dict | None) -> bytes:
    """An outbox row's message: its `raw` bytes, or its template filled with its fields."""
    if template is None:
        return raw
    fields = fields or {}
    return template.fill(fields.get("values") or {}, head=fields.get("head") or "")
