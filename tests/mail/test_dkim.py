"""DKIM: with DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE set, every message the
worker sends carries a signature that verifies against the public key (dkimpy)."""

import base64
import shutil
import subprocess

import dkim
import pytest

from app.extensions import db
from app.mail.worker import run_worker

from .conftest import queue_mail

DOMAIN, SELECTOR = "almelo.example.nl", "nwb2027"


@pytest.fixture
def dkim_key(tmp_path) -> tuple[str, bytes]:
    """A fresh RSA key (OpenSSL): the private key file and the DNS TXT record."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is needed to make a test key")
    key = tmp_path / "dkim.pem"
    subprocess.run([openssl, "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        [openssl, "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return str(key), b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_every_message_is_signed_and_the_signature_verifies(
    app, smtp_config, monkeypatch, dkim_key
):
    key_file, record = dkim_key
    monkeypatch.setitem(app.config, "DKIM_DOMAIN", DOMAIN)
    monkeypatch.setitem(app.config, "DKIM_SELECTOR", SELECTOR)
    monkeypatch.setitem(app.config, "DKIM_PRIVATE_KEY_FILE", key_file)
    queue_mail("lid@example.org", "Uitnodiging: werksessie Xenia in Münster")
    db.session.commit()

    assert run_worker(once=True) == 1

    raw = smtp_config.handler.received[0].content
    assert raw.startswith(b"DKIM-Signature:")
    asked = []

    def dns(name, timeout=5):
        asked.append(name)
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    assert asked == [f"{SELECTOR}._domainkey.{DOMAIN}.".encode()]
    tampered = raw.replace(b"werksessie", b"vergadering")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_without_the_settings_nothing_is_signed(smtp_config):
    queue_mail()
    db.session.commit()
    run_worker(once=True)
    assert b"DKIM-Signature" not in smtp_config.handler.received[0].content
