"""One message to many readers, rendered once: `MessageTemplate` turns a message built with
stand-ins (marks) into wire bytes once; `fill()` then makes each reader's message on bytes,
substituting only what differs (their address, a token, the Message-ID).

Substituting on the finished bytes alone would break: a body goes on the wire
quoted-printable or base64, where a mark may be split across lines or not be readable at
all. So the template keeps each text part that holds a mark as text and encodes it
quoted-printable per reader (`binascii.b2a_qp`, in C, microseconds for a newsletter), and
everything else (headers, boundaries, parts without marks, attachments) as the bytes the
`email` package wrote. A mark in a header must be plain ASCII there (a URL, an id): that
header is written unfolded and unencoded by `WIRE_POLICY` and is substituted on bytes.
The To header and anything else per reader go in `fill(head=…)`, built with `to_header()`."""

import base64
import binascii
import re
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr

from markupsafe import escape

from .services import WIRE_POLICY, smtp_address

_PART_MARK = "NBTEMPLATEPART{}x7c2e"


class MessageTemplate:
    """`msg` (not changed) rendered once, with `marks` (the stand-in strings) left open."""

    def __init__(self, msg: EmailMessage, marks: list[str]) -> None:
        skeleton = _copy(msg)
        self._parts: list[tuple[bytes, str, bool]] = []  # part mark, text, is HTML
        for part in skeleton.walk():
            if part.is_multipart() or part.get_content_maintype() != "text":
                continue
            text = part.get_content()
            if not any(mark in text for mark in marks):
                continue
            mark = _PART_MARK.format(len(self._parts))
            html = part.get_content_subtype() == "html"
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
            self._parts.append((mark.encode("ascii"), text, html))
            part.set_payload(mark)  # ASCII, one line: the generator writes it as it is
            del part["Content-Transfer-Encoding"]
            part["Content-Transfer-Encoding"] = "quoted-printable"
        self._marks = [mark for mark in marks]
        self._bytes = skeleton.as_bytes(policy=WIRE_POLICY)
        self._header_marks = [m for m in marks if m.encode("ascii") in self._head(self._bytes)]

    @staticmethod
    def _head(raw: bytes) -> bytes:
        return raw.partition(b"\r\n\r\n")[0]

    def fill(self, values: Mapping[str, str], head: str = "") -> bytes:
        """One reader's message: `values` maps each mark to its value (escaped in HTML
        parts); `head` holds whole header lines (CRLF-ended) put before the others."""
        raw = self._bytes
        for mark in self._header_marks:
            raw = raw.replace(mark.encode("ascii"), values[mark].encode("ascii"))
        for part_mark, text, html in self._parts:
            for mark in self._marks:
                value = values[mark]
                text = text.replace(mark, str(escape(value)) if html else value)
            encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True)
            raw = raw.replace(part_mark, encoded, 1)
        return head.encode("ascii") + raw if head else raw


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


_HEADER_NAME = re.compile(rb"^([!-9;-~]+):", re.MULTILINE)


def header_names(raw: bytes) -> set[str]:
    """The (lower-case) names of the headers of the message `raw`, read off its bytes."""
    head = raw.partition(b"\r\n\r\n")[0]
    return {name.decode("ascii").lower() for name in _HEADER_NAME.findall(head)}


def _copy(msg: EmailMessage) -> EmailMessage:
    from email import message_from_bytes, policy

    return message_from_bytes(msg.as_bytes(policy=WIRE_POLICY), policy=policy.default)
