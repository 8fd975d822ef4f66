"""The mail worker in this process, against a real SMTP server on loopback."""

import threading
import time
from collections import Counter
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult

from app.core.database import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.senders import RateLimit
from app.mail.worker import claim_batch, message_id_domain, release, retry_delay, run_worker

from .conftest import CEILING, free_port, queue_mail, queue_many, running_sink

INVITATION_ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Netwerkbrug//test//NL\r\nEND:VCALENDAR\r\n"
)


def outbox_row(row_id: int) -> OutboxMessage:
    return db.session.get(OutboxMessage, row_id, populate_existing=True)


def expected_message_id(row_id: int) -> str:
    return f"<outbox-{row_id}@netwerkbrug.example.org>"


def test_worker_delivers_to_the_smtp_server_over_one_connection(app, smtp_config, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_CONNECTIONS", 1)
    invitation = queue_mail(
        ("Jürgen Oßenbrügge", "juergen@example.de"),
        "Einladung: Arbeitssitzung Xenia in Münster",
        text="Sehr geehrter Herr Oßenbrügge,\n\nwir laden Sie herzlich ein.\n",
        html="<p>Sehr geehrter Herr Oßenbrügge,</p><p>wir laden Sie herzlich ein.</p>",
        attachments=[("einladung.ics", "text/calendar", INVITATION_ICS)],
    ).id
    others = [queue_mail(f"lid{n}@example.org", f"Nieuwsbrief {n}").id for n in range(3)]
    db.session.commit()

    assert run_worker(once=True) == 4

    sink = smtp_config.handler
    assert len(sink.received) == 4
    assert sink.connections == 1
    first = sink.received[0]
    assert first.mail_from == "noreply@netwerkbrug.example.org"
    assert first.rcpt_tos == ["juergen@example.de"]
    msg = first.message
    assert msg["To"].addresses[0].display_name == "Jürgen Oßenbrügge"
    assert msg["To"].addresses[0].addr_spec == "juergen@example.de"
    assert msg["From"].addresses[0].addr_spec == "noreply@netwerkbrug.example.org"
    assert str(msg["Subject"]) == "Einladung: Arbeitssitzung Xenia in Münster"
    assert msg["Message-ID"] == expected_message_id(invitation)
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # CRLF on the wire
    assert text == "Sehr geehrter Herr Oßenbrügge,\n\nwir laden Sie herzlich ein.\n"
    assert "Oßenbrügge" in msg.get_body(("html",)).get_content()
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "einladung.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_payload(decode=True) == INVITATION_ICS
    assert sink.message_ids() == [expected_message_id(i) for i in [invitation, *others]]
    for row_id in [invitation, *others]:
        row = outbox_row(row_id)
        assert row.status is OutboxStatus.sent
        assert row.sent_at is not None
        assert row.lease_expires_at is None
        assert row.leased_by is None


def test_a_message_id_given_by_the_sender_is_kept(smtp_config):
    row_id = queue_mail(headers={"Message-ID": "<round-7-reminder@netwerkbrug.example.org>"}).id
    db.session.commit()

    assert run_worker(once=True) == 1

    [received] = smtp_config.handler.received
    assert received.message.get_all("Message-ID") == ["<round-7-reminder@netwerkbrug.example.org>"]
    assert outbox_row(row_id).status is OutboxStatus.sent


def test_a_4xx_answer_is_retried_later_and_delivered_once_accepted(smtp_config):
    sink = smtp_config.handler
    sink.answers["greylisted@example.de"] = "451 4.7.1 Greylisted, please try again later"
    row_id = queue_mail("greylisted@example.de").id
    db.session.commit()

    assert run_worker(once=True) == 0

    row = outbox_row(row_id)
    assert row.status is OutboxStatus.pending
    assert row.attempts == 1
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert "451" in row.last_error
    assert "Greylisted, please try again later" in row.last_error
    assert row.lease_expires_at is None
    assert run_worker(once=True) == 0, "not due yet"
    assert sink.received == []

    del sink.answers["greylisted@example.de"]
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert run_worker(once=True) == 1

    row = outbox_row(row_id)
    assert row.status is OutboxStatus.sent
    assert row.attempts == 2
    assert row.last_error is None
    assert sink.message_ids() == [expected_message_id(row_id)]


def test_a_5xx_answer_fails_the_message_for_good(smtp_config):
    sink = smtp_config.handler
    sink.answers["vertrokken@example.nl"] = "550 5.1.1 No such user here"
    refused = queue_mail("vertrokken@example.nl").id
    accepted = queue_mail("lid@example.org").id
    db.session.commit()

    assert run_worker(once=True) == 1

    row = outbox_row(refused)
    assert row.status is OutboxStatus.failed
    assert row.is_refused
    assert "550" in row.last_error
    assert "No such user here" in row.last_error
    assert outbox_row(accepted).status is OutboxStatus.sent

    del sink.answers["vertrokken@example.nl"]
    row.next_attempt_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert run_worker(once=True) == 0
    assert outbox_row(refused).status is OutboxStatus.failed
    assert sink.message_ids() == [expected_message_id(accepted)]


def test_a_deferred_message_fails_only_once_the_retry_window_is_over(app, smtp_config):
    smtp_config.handler.answers["vol@example.org"] = "452 4.2.2 Mailbox full"
    row = queue_mail("vol@example.org")
    row.attempts = 20  # far more than any fixed number of attempts
    row_id = row.id
    db.session.commit()

    assert run_worker(once=True) == 0
    row = outbox_row(row_id)
    assert row.status is OutboxStatus.pending  # still inside the 72 hours
    assert row.attempts == 21

    window = app.config["MAIL_RETRY_WINDOW_HOURS"]
    row.created_at = utcnow() - timedelta(hours=window, minutes=1)
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert run_worker(once=True) == 0

    row = outbox_row(row_id)
    assert row.status is OutboxStatus.failed
    assert not row.is_refused  # deferred, not refused: the address is not known to be dead
    assert f"gave up after 22 attempts in {window:g} hours" in row.last_error
    assert "452 4.2.2 Mailbox full" in row.last_error


def test_retry_delay_doubles_up_to_an_hour(app):
    base = app.config["MAIL_RETRY_BASE_SECONDS"]
    assert retry_delay(1) == timedelta(seconds=base)
    assert retry_delay(2) == timedelta(seconds=2 * base)
    assert retry_delay(3) == timedelta(seconds=4 * base)
    assert retry_delay(30) == timedelta(hours=1)


def test_a_dropped_connection_is_reopened_without_losing_a_message(app, smtp_config, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_CONNECTIONS", 1)
    sink = smtp_config.handler
    sink.drop_after_next = True  # the server hangs up after the first message
    ids = queue_many(3)

    assert run_worker(once=True) == 3

    assert sink.message_ids() == [expected_message_id(i) for i in ids]
    assert sink.connections == 2
    assert all(outbox_row(i).attempts == 1 for i in ids)


@pytest.mark.parametrize("connections", [1, 3])
def test_an_unreachable_server_defers_the_messages_in_hand_and_releases_the_rest(
    app, monkeypatch, connections
):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nobody listens there
    monkeypatch.setitem(app.config, "MAIL_CONNECTIONS", connections)
    ids = queue_many(6)

    assert run_worker(once=True) == 0

    rows = [outbox_row(row_id) for row_id in ids]
    tried = [row for row in rows if row.attempts]
    assert 1 <= len(tried) <= connections, "each connection held at most one message"
    for row in tried:
        assert row.status is OutboxStatus.pending
        assert row.attempts == 1
        assert "ConnectionRefusedError" in row.last_error
    for row in rows:
        if not row.attempts:
            assert (row.status, row.leased_by) == (OutboxStatus.pending, None)
            assert row.next_attempt_at <= utcnow()


def test_a_recipient_with_an_internationalised_domain_is_delivered(smtp_config):
    row = queue_mail(("Jürgen Oßenbrügge", "jurgen@münster.de"), "Welkom").id
    db.session.commit()

    assert run_worker(once=True) == 1

    [received] = smtp_config.handler.received
    assert received.rcpt_tos == ["jurgen@xn--mnster-3ya.de"]
    assert received.message["To"].addresses[0].addr_spec == "jurgen@xn--mnster-3ya.de"
    assert db.session.get(OutboxMessage, row).status == OutboxStatus.sent


def test_without_smtp_each_message_becomes_an_eml_file(outbox_dir):
    row = queue_mail(
        ("Jürgen Oßenbrügge", "juergen@example.de"),
        "Werkbezoek Almelo",
        html="<p>Welkom</p>",
        attachments=[("programma.pdf", "application/pdf", b"%PDF-1.4 test")],
    ).id
    other = queue_mail("lid@example.org").id
    db.session.commit()

    assert run_worker(once=True) == 2

    path = outbox_dir / f"{row}.eml"
    msg = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(path.read_bytes())
    assert msg["Message-ID"] == expected_message_id(row)
    assert msg["To"].addresses[0].display_name == "Jürgen Oßenbrügge"
    assert str(msg["Subject"]) == "Werkbezoek Almelo"
    assert msg.get_body(("html",)).get_content().strip() == "<p>Welkom</p>"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_payload(decode=True) == b"%PDF-1.4 test"
    assert (outbox_dir / f"{other}.eml").is_file()
    assert not [p for p in outbox_dir.iterdir() if p.suffix != ".eml"], "no temporary files left"
    assert outbox_row(row).status is OutboxStatus.sent


def test_a_crashed_workers_lease_expires_and_another_worker_takes_over(smtp_config):
    crashed, busy = queue_many(2)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == crashed)
        .values(
            status=OutboxStatus.sending,
            leased_by="crashed-worker",
            lease_expires_at=utcnow() - timedelta(seconds=1),
        )
    )
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == busy)
        .values(
            status=OutboxStatus.sending,
            leased_by="busy-worker",
            lease_expires_at=utcnow() + timedelta(minutes=2),
        )
    )
    db.session.commit()

    assert run_worker(once=True) == 1

    assert smtp_config.handler.message_ids() == [expected_message_id(crashed)]
    assert outbox_row(crashed).status is OutboxStatus.sent
    row = outbox_row(busy)
    assert (row.status, row.leased_by) == (OutboxStatus.sending, "busy-worker")


def test_claiming_leases_only_due_messages_in_id_order(app):
    due = queue_many(3)
    later = queue_mail("later@example.org")
    later.next_attempt_at = utcnow() + timedelta(minutes=5)
    db.session.commit()

    assert claim_batch("worker-a", 2) == due[:2]
    assert claim_batch("worker-b", 10) == due[2:]
    assert claim_batch("worker-c", 10) == []
    row = outbox_row(due[0])
    assert (row.status, row.leased_by) == (OutboxStatus.sending, "worker-a")
    lease_left = row.lease_expires_at - utcnow()
    assert timedelta(0) < lease_left <= timedelta(seconds=app.config["MAIL_LEASE_SECONDS"])

    assert release(due, "worker-a") == 2, "only its own rows"
    row = outbox_row(due[0])
    assert (row.status, row.leased_by, row.lease_expires_at) == (OutboxStatus.pending, None, None)
    assert outbox_row(due[2]).leased_by == "worker-b"


@pytest.mark.parametrize(
    ("mail_from", "base_url", "domain"),
    [
        (
            "Netwerkbrug <noreply@netwerkbrug.example.org>",
            "http://x.test",
            "netwerkbrug.example.org",
        ),
        ("", "https://netwerkbrug.eu:8443/app", "netwerkbrug.eu"),
    ],
)
def test_message_id_domain_comes_from_mail_from_or_base_url(mail_from, base_url, domain):
    assert message_id_domain({"MAIL_FROM": mail_from, "BASE_URL": base_url}) == domain


def sink_login(login: bytes, password: bytes):
    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        if (auth_data.login, auth_data.password) == (login, password):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)  # aiosmtpd answers 535

    return authenticate


@pytest.mark.parametrize(
    ("password", "status", "error"),
    [("geheim-wachtwoord", OutboxStatus.sent, None), ("fout", OutboxStatus.pending, "535")],
)
def test_the_worker_logs_in_with_the_configured_account(app, monkeypatch, password, status, error):
    monkeypatch.setitem(app.config, "SMTP_USERNAME", "netwerkbrug")
    monkeypatch.setitem(app.config, "SMTP_PASSWORD", password)
    with running_sink(
        authenticator=sink_login(b"netwerkbrug", b"geheim-wachtwoord"), auth_require_tls=False
    ) as sink:
        monkeypatch.setitem(app.config, "SMTP_HOST", sink.host)
        monkeypatch.setitem(app.config, "SMTP_PORT", sink.port)
        row_id = queue_mail().id
        db.session.commit()

        run_worker(once=True)

    row = outbox_row(row_id)
    assert row.status is status
    assert (row.last_error is None) if error is None else (error in row.last_error)
    assert len(sink.handler.received) == (1 if status is OutboxStatus.sent else 0)


def test_several_connections_send_at_once_and_each_message_goes_once(app, smtp_config, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_CONNECTIONS", 3)
    sink = smtp_config.handler
    sink.hold_until_connections = 3  # every DATA waits until three connections send at once
    ids = queue_many(30)

    assert run_worker(once=True) == 30

    assert sink.connections == 3
    assert Counter(sink.message_ids()) == Counter(expected_message_id(i) for i in ids)
    assert all(outbox_row(i).status is OutboxStatus.sent for i in ids)


def test_the_rate_limit_holds_over_all_connections(app, smtp_config, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_CONNECTIONS", 3)
    monkeypatch.setitem(app.config, "MAIL_RATE_LIMIT", 20)
    queue_many(11)
    started = time.monotonic()

    assert run_worker(once=True) == 11

    # 11 messages at 20 a second: the last starts 0.5 s after the first, at the earliest
    # (a busy machine only makes it later)
    assert time.monotonic() - started >= 10 / 20


def test_rate_limit_spaces_the_starts_of_all_threads():
    limit = RateLimit(50)
    starts: list[float] = []
    began = time.monotonic()

    def start() -> None:
        limit.wait()
        starts.append(time.monotonic())

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(CEILING)

    assert len(starts) == 6
    assert max(starts) - began >= 5 / 50
    assert RateLimit(0).interval == 0  # 0: no limit


def test_messages_to_one_recipient_leave_in_order_over_several_connections(
    app, smtp_config, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_CONNECTIONS", 3)
    ids = []
    for n in range(12):  # an invitation, its update and its cancellation, among others
        ids.append(queue_mail("gast@example.org" if n % 4 == 0 else f"lid{n}@example.org").id)
    db.session.commit()

    assert run_worker(once=True) == 12

    to_gast = [
        item.message_id
        for item in smtp_config.handler.received
        if item.rcpt_tos == ["gast@example.org"]
    ]
    assert to_gast == [expected_message_id(i) for i in ids[::4]]


def test_producers_run_ahead_in_a_thread_and_session_of_their_own(app, monkeypatch):
    from app.mail.producers import EXTENSION_KEY, Ahead

    seen = {}

    def producer(limit: int) -> int:
        seen["thread"] = threading.current_thread().name
        seen["session"] = db.session()
        return limit

    monkeypatch.setitem(app.extensions, EXTENSION_KEY, [producer])

    assert Ahead(7).result() == 7

    assert seen["thread"] == "producers"
    assert seen["session"] is not db.session()  # the worker's own session is left alone


def test_what_producers_running_ahead_raise_reaches_the_worker(app, monkeypatch):
    from app.mail.producers import EXTENSION_KEY, Ahead

    def producer(_limit: int) -> int:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setitem(app.extensions, EXTENSION_KEY, [producer])

    with pytest.raises(sa.exc.OperationalError):
        Ahead(5).result()
