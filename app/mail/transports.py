"""Ways a finished message leaves the application: an SMTP server or `.eml` files.

A transport sends one message to one envelope recipient and says how a failure should be
treated by raising `PermanentFailure` (never retry) or `TransientFailure` (try again later;
its subclass `TransportUnavailable` means no message can go out right now)."""

import functools
import os
import smtplib
import socket
import ssl
import tempfile
from pathlib import Path
from typing import Protocol, Self

SECURITY_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class DeliveryFailure(Exception):
    """The message was not delivered; `str(failure)` is what the outbox records."""


class PermanentFailure(DeliveryFailure):
    """The server refused the message for good (a 5xx answer): sending it again cannot help."""


class TransientFailure(DeliveryFailure):
    """The message may go through later (a 4xx answer, a dropped connection, a timeout)."""


class TransportUnavailable(TransientFailure):
    """The transport cannot send anything at the moment (no connection, login refused)."""


class Transport(Protocol):
    def send(self, raw: bytes, *, sender: str, recipient: str, name: str) -> None:
        """Delivers the message `raw` (RFC 5322 bytes with CRLF line ends) to `recipient`;
        `name` identifies the message (the outbox row id)."""

    def close(self) -> None:
        """Lets go of any connection; the transport reopens it when it sends again."""


class _TransportBase:
    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class FileTransport(_TransportBase):
    """Writes each message to `<directory>/<name>.eml`, so it can be opened in a mail client.

    The file appears complete or not at all: it is written to a temporary file in the same
    directory and renamed."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)

    def send(self, raw: bytes, *, sender: str, recipient: str, name: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._write_atomically(self.directory / f"{name}.eml", raw)
        except OSError as error:  # a full disk or a missing permission may be fixed later
            raise TransientFailure(f"cannot write to {self.directory}: {error}") from error

    def _write_atomically(self, target: Path, content: bytes) -> None:
        fd, temp_name = tempfile.mkstemp(
            dir=self.directory, prefix=f".{target.stem}-", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(content)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, target)
        except OSError:
            Path(temp_name).unlink(missing_ok=True)
            raise


class _TrackedSMTP(smtplib.SMTP):
    """Remembers whether the DATA command was reached: until then the server cannot have
    accepted the message, so a lost connection may be retried at once without a duplicate."""

    reached_data = False

    def data(self, msg):
        self.reached_data = True
        return super().data(msg)


class _TrackedSMTPSSL(_TrackedSMTP, smtplib.SMTP_SSL):
    pass


@functools.cache
def _local_hostname() -> str:
    # smtplib looks this up (DNS) on every connection unless it is given.
    return socket.getfqdn()


class SMTPTransport(_TransportBase):
    """Sends over one SMTP connection, opened on first use and reused for every message
    until `close()`. A connection found dead before the message's DATA was sent is reopened
    and the message tried once more; after DATA the outcome is unknown, so the failure is
    reported as transient instead of risking a duplicate."""

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        security: str = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(
                f"SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}, not {security!r}"
            )
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self._smtp: _TrackedSMTP | None = None

    def send(self, raw: bytes, *, sender: str, recipient: str, name: str) -> None:
        if not self._attempt(raw, sender, recipient):
            self._attempt(raw, sender, recipient)  # on a new connection, so never a third time

    def _attempt(self, raw: bytes, sender: str, recipient: str) -> bool:
        """False when a reused connection turned out dead before DATA (the server may have
        closed it while idle): nothing was sent, so trying again on a new one is safe."""
        reused = self._smtp is not None and self._smtp.sock is not None
        smtp = self._connection()
        smtp.reached_data = False
        try:
            smtp.sendmail(sender, [recipient], raw)
        except OSError as error:  # smtplib's exceptions are OSErrors too
            lost = _connection_lost(error)
            if lost:
                self._discard()
            if lost and reused and not smtp.reached_data:
                return False
            raise _failure(error) from error
        return True

    def close(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass  # the connection is going away either way
        finally:
            self._discard()

    def _connection(self) -> _TrackedSMTP:
        if self._smtp is not None and self._smtp.sock is None:
            self._discard()  # smtplib closed it after a 421 or a failed RSET
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def _connect(self) -> _TrackedSMTP:
        where = f"{self.host}:{self.port}"
        smtp: _TrackedSMTP | None = None
        try:
            if self.security == "ssl":
                smtp = _TrackedSMTPSSL(
                    self.host,
                    self.port,
                    local_hostname=_local_hostname(),
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = _TrackedSMTP(
                    self.host, self.port, local_hostname=_local_hostname(), timeout=self.timeout
                )
            if self.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
        except OSError as error:  # refused, timed out, TLS failed, login refused …
            if smtp is not None:
                smtp.close()
            raise TransportUnavailable(
                f"cannot use SMTP server {where}: {_describe(error)}"
            ) from error
        return smtp

    def _discard(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _reply_code(error: OSError) -> int | None:
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        return next(iter(error.recipients.values()))[0]
    return None


def _connection_lost(error: OSError) -> bool:
    """Whether the connection is unusable after `error` (421 means the server is closing it)."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPException):
        return _reply_code(error) == 421
    return True  # a socket error or timeout leaves the conversation in an unknown state


def _failure(error: OSError) -> DeliveryFailure:
    """5xx answers are permanent; 4xx answers, lost connections and timeouts are transient."""
    code = _reply_code(error)
    text = _describe(error)
    if code is not None and 500 <= code < 600:
        return PermanentFailure(text)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return PermanentFailure(text)  # e.g. an internationalised address and no SMTPUTF8
    return TransientFailure(text)


def _describe(error: OSError) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        recipient, (code, reply) = next(iter(error.recipients.items()))
        return f"{code} {_text(reply)} (recipient {recipient})"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def transport_from_config(config) -> FileTransport | SMTPTransport:
    """SMTP when `SMTP_HOST` is set, otherwise `.eml` files in `MAIL_OUTBOX_DIR`."""
    if not config.get("SMTP_HOST"):
        return FileTransport(config["MAIL_OUTBOX_DIR"])
    return SMTPTransport(
        config["SMTP_HOST"],
        config.get("SMTP_PORT"),
        security=config.get("SMTP_SECURITY") or "none",
        username=config.get("SMTP_USERNAME"),
        password=config.get("SMTP_PASSWORD"),
        timeout=config.get("SMTP_TIMEOUT") or 30,
    )
