"""The mail tests' SMTP sink and worker processes, reused for the newsletter."""

from tests.mail.conftest import (  # noqa: F401  (fixtures)
    _mail_from,
    smtp_config,
    smtp_sink,
    start_worker,
)
