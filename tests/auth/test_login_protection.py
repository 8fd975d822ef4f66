"""Login protection per account and per address: a growing hold after repeated failures,
never a permanent lockout, a mail to the owner, and a start-up check that production
keeps the counts in a shared store."""

import re
import time

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from app.auth import throttle
from app.auth.throttle import StorageNotShared
from app.mail.models import OutboxMessage
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_user


def outbox() -> list[OutboxMessage]:
    from app.extensions import db

    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_repeated_failures_hold_the_account_even_for_the_right_password(client, member):
    statuses = [login(client, member.email, "wrong-password").status_code for _ in range(6)]
    assert statuses == [401] * 6
    held = login(client, member.email)  # the right password, but too soon
    assert held.status_code == 429
    text = held.get_data(as_text=True)
    assert re.search(r"Too many failed sign-in attempts\. Please try again in \d+ seconds\.", text)
    assert client.get("/profile").status_code == 302


def test_the_hold_is_translated(client, member):
    for _ in range(6):
        login(client, member.email, "wrong-password")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    held = login(client, member.email)
    assert held.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in held.get_data(as_text=True)


def test_the_hold_grows_and_has_a_ceiling(app):
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    delays = [throttle.delay_after(n, free) for n in range(1, 40)]
    assert delays[:free] == [0] * free
    assert delays[free : free + 3] == [30, 60, 120]
    assert max(delays) == app.config["LOGIN_DELAY_MAX"].total_seconds()
    assert delays == sorted(delays)


def test_a_hold_ends_by_itself(app, client, member, monkeypatch):
    """Never a permanent lockout: once the hold has passed, the right password works."""
    from datetime import timedelta

    monkeypatch.setitem(app.config, "LOGIN_DELAY_BASE", timedelta(seconds=1))
    for _ in range(6):
        login(client, member.email, "wrong-password")
    assert login(client, member.email).status_code == 429
    deadline = time.monotonic() + 30
    while (status := login(client, member.email).status_code) == 429:
        assert time.monotonic() < deadline, "the hold did not end"
        time.sleep(0.5)
    assert status == 302
    assert client.get("/profile").status_code == 200


def test_the_owner_gets_one_mail_in_their_language_after_repeated_failures(client):
    owner = make_user(email="owner@example.org", locale="de", password=TEST_PASSWORD)
    from app.extensions import db

    db.session.commit()
    for _ in range(4):
        login(client, owner.email, "wrong-password")
    assert outbox() == []
    login(client, owner.email, "wrong-password")
    login(client, owner.email, "wrong-password")
    [mail] = outbox()
    assert mail.recipient == "owner@example.org"
    assert mail.subject == "Fehlgeschlagene Anmeldeversuche bei Ihrem Netwerkbrug-Konto"


def test_failures_for_unknown_addresses_send_no_mail(client):
    for _ in range(6):
        login(client, "nobody@example.org", "wrong-password")
    assert outbox() == []


def test_an_address_guessing_many_accounts_is_held(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FREE_FAILURES_PER_ADDRESS", 3)
    statuses = [login(client, f"guess{n}@example.org", "x").status_code for n in range(5)]
    assert statuses == [401, 401, 401, 401, 429]


def test_a_successful_sign_in_forgets_the_accounts_failures(client, member):
    for _ in range(4):
        login(client, member.email, "wrong-password")
    assert login(client, member.email).status_code == 302
    client.post("/logout")
    statuses = [login(client, member.email, "wrong-password").status_code for _ in range(5)]
    assert statuses == [401] * 5


@pytest.mark.parametrize(
    "settings",
    [
        {"SESSION_COOKIE_SECURE": True},
        {"WEB_CONCURRENCY": 4},
    ],
)
def test_production_without_a_shared_store_refuses_to_start(database_uri, settings):
    config = {"SQLALCHEMY_DATABASE_URI": database_uri, "RATELIMIT_STORAGE_URI": "memory://"}
    with pytest.raises(StorageNotShared, match="RATELIMIT_STORAGE_URI must name a shared store"):
        create_app({**config, **settings})


def test_production_with_redis_passes_the_start_up_check():
    # Checked on a bare Flask app: create_app() would rebind the shared limiter to Redis.
    app = Flask(__name__)
    app.config.update(
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
        SESSION_COOKIE_SECURE=True,
        WEB_CONCURRENCY=4,
    )
    throttle.check_storage_is_shared(app)


def test_behind_a_proxy_the_forwarded_address_is_held(app, client, monkeypatch):
    """With PROXY_COUNT=1 the address from X-Forwarded-For counts, not the proxy's."""
    monkeypatch.setitem(app.config, "LOGIN_FREE_FAILURES_PER_ADDRESS", 2)
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1))

    def attempt(n: int, address: str) -> int:
        return client.post(
            "/login",
            data={"email": f"guess{n}@example.org", "password": "x"},
            headers={"X-Forwarded-For": address},
        ).status_code

    assert [attempt(n, "192.0.2.7") for n in range(4)] == [401, 401, 401, 429]
    assert attempt(9, "198.51.100.3") == 401  # another person behind the same proxy


def test_proxy_count_setting_installs_proxy_fix(database_uri):
    proxied = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "PROXY_COUNT": 1})
    assert isinstance(proxied.wsgi_app, ProxyFix)
    assert proxied.wsgi_app.x_for == 1
