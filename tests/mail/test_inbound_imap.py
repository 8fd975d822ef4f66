"""The inbound channel against a real IMAP server (Dovecot on loopback): the worker polls
the mailbox, applies what it understands, moves those messages to IMAP_FOLDER_DONE (never
deletes them) and leaves unrelated mail in the inbox, unread."""

import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail.inbound import MailboxPoller
from app.mail.models import InboundMessage, InboundOutcome
from app.mail.worker import run_worker

from . import inbound_scenario
from .dovecot import append, folder_subjects, running_dovecot

DONE = "Netwerkbrug/Processed"


@pytest.fixture
def imap_server():
    # not under pytest's tmp_path: Dovecot's unprivileged processes must reach the directory
    root = Path(tempfile.mkdtemp(prefix="netwerkbrug-dovecot-"))
    try:
        with running_dovecot(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_config(app, monkeypatch, imap_server):
    for key, value in {
        "IMAP_HOST": imap_server.host,
        "IMAP_PORT": imap_server.port,
        "IMAP_USER": imap_server.user,
        "IMAP_PASSWORD": imap_server.password,
        "IMAP_SECURITY": "none",
        "IMAP_FOLDER_DONE": DONE,
        "IMAP_POLL_SECONDS": 0,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return imap_server


def test_the_worker_polls_the_mailbox_and_moves_what_it_understood(
    app, monkeypatch, smtp_config, imap_config
):
    scene = inbound_scenario.set_up(app, monkeypatch, smtp_config)
    sent = inbound_scenario.mails(scene)
    for raw in sent.values():
        append(imap_config, raw)

    run_worker(once=True)

    inbound_scenario.check_records(scene, sent)
    records = db.session.scalars(sa.select(InboundMessage)).all()
    assert len(records) == len(sent)
    assert all(r.source == "imap" for r in records)
    for name, raw in sent.items():
        record = inbound_scenario.record_of(raw)
        expected = None if record.outcome is InboundOutcome.left else DONE
        assert record.moved_to == expected, name
    assert folder_subjects(imap_config, "INBOX") == ["Vraag over de volgende bijeenkomst UNSEEN"]
    moved = folder_subjects(imap_config, DONE)
    assert len(moved) == len(sent) - 1  # moved, none deleted

    # the next poll records nothing again and leaves the unrelated mail where it is
    MailboxPoller.from_config(app.config, print).poll()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundMessage)) == len(sent)
    assert folder_subjects(imap_config, "INBOX") == ["Vraag over de volgende bijeenkomst UNSEEN"]


def test_an_unreachable_mailbox_does_not_stop_the_worker(app, monkeypatch, imap_config):
    said = []
    monkeypatch.setitem(app.config, "IMAP_PASSWORD", "wrong")
    poller = MailboxPoller.from_config(app.config, said.append)
    assert poller.poll_if_due() == 0
    assert poller.poll_if_due() == 0
    assert len(said) == 1 and "unusable" in said[0]  # said once, not on every poll


def test_a_message_a_handler_fails_on_stays_in_the_inbox_and_the_rest_goes_on(
    app, monkeypatch, imap_config
):
    from app.mail.inbound import EXTENSION_KEY
    from app.mail.models import InboundKind

    from .messages import unrelated_mail, unsubscribe_mail

    def broken(_token):
        raise RuntimeError("a bug in a handler")

    handlers = {**app.extensions[EXTENSION_KEY], InboundKind.unsubscribe: broken}
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, handlers)
    append(imap_config, unsubscribe_mail("stop@example.de", "t" * 43))
    append(imap_config, unrelated_mail())
    said = []

    MailboxPoller.from_config(app.config, said.append).poll()

    assert any("could not be handled" in line for line in said)
    assert sorted(folder_subjects(imap_config, "INBOX")) == [
        "Vraag over de volgende bijeenkomst UNSEEN",
        f"unsubscribe {'t' * 43} UNSEEN",
    ]
    kinds = db.session.scalars(sa.select(InboundMessage.kind)).all()
    assert [k.name for k in kinds] == ["unrelated"]  # the failed one left no half record
