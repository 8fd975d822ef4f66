"""The list headers as they cross the wire: read from the raw bytes, then by Python's
parser and by an independent one (Nodemailer's mailparser)."""

import re
from email import policy
from email.parser import BytesParser

from app.extensions import db
from app.mail.worker import run_worker
from app.newsletter import services
from app.newsletter.models import Subscriber
from tests.factories import make_edition, make_subscriber, make_user
from tests.mail.independent import parse_with_mailparser

LONG_NAME = "Jürgen Oßenbrügge-Van den Heuvel van de Grensoverschrijdende Samenwerking"


def _send_one(**subscriber):
    admin = make_user(is_admin=True)
    reader = make_subscriber(email="lezer@example.org", language="nl", **subscriber)
    edition = make_edition(quarter="2026 Q4", languages=("nl",))
    edition.title_nl = "Grensoverschrijdend samenwerken aan integratie in Twente en Münsterland"
    services.queue_edition(admin, edition)
    db.session.commit()
    return reader.id, reader.token


def _header_lines(raw: bytes, name: str) -> bytes:
    """The header as it is on the wire, continuation lines included."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    match = re.search(rb"^" + name.encode() + rb":.*?(?=\r\n[^ \t])", head, re.M | re.S | re.I)
    assert match, f"no {name} header"
    return match.group(0)


def test_list_unsubscribe_is_written_literally_and_read_by_independent_parsers(smtp_config):
    reader_id, token = _send_one(name=LONG_NAME)
    run_worker(once=True)
    [received] = smtp_config.handler.received
    raw = received.content

    header = _header_lines(raw, "List-Unsubscribe")
    assert b"=?" not in header
    unfolded = header.replace(b"\r\n", b"")
    match = re.fullmatch(rb"List-Unsubscribe: <(https?://[^>\s]+)>,\s*<(mailto:[^>\s]+)>", unfolded)
    assert match, header
    https, mailto = (part.decode() for part in match.groups())
    assert https.endswith(f"/newsletter/unsubscribe/{token}")
    assert token in mailto
    # folded, if at all, only between the two URIs
    assert b"\r\n" not in header or header.index(b"\r\n") > header.index(b">,")
    for name in ("List-Unsubscribe-Post", "List-Id", "Message-ID"):
        line = _header_lines(raw, name)
        assert b"=?" not in line and b"\r\n" not in line, line

    msg = BytesParser(policy=policy.default).parsebytes(raw)
    links = [part.strip().strip("<>") for part in str(msg["List-Unsubscribe"]).split(",")]
    assert links == [https, mailto]

    other = parse_with_mailparser(raw)
    assert other["listUnsubscribe"]["url"] == https
    assert "mailto:" + other["listUnsubscribe"]["mail"] == mailto
    assert other["listUnsubscribePost"] == "List-Unsubscribe=One-Click"
    assert other["messageId"] == str(msg["Message-ID"])
    assert other["subject"] == str(msg["Subject"])
    assert db.session.get(Subscriber, reader_id).is_confirmed


def test_a_long_subject_is_not_folded_needlessly(smtp_config):
    _send_one()
    run_worker(once=True)
    raw = smtp_config.handler.received[0].content
    subject = _header_lines(raw, "Subject")
    assert b"\r\n" not in subject  # one line: shorter than the 998 limit
    assert len(subject) > 78
