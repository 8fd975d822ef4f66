"""Parsers that share no code with Python's `email` package, to read our wire bytes back:
Nodemailer's mailparser (npm, installed into tests/mail/node on first use)."""

import json
import subprocess
from pathlib import Path

from tests.node_tools import node_with

NODE_DIR = Path(__file__).resolve().parent / "node"


def _node_ready() -> str:
    return node_with(NODE_DIR, "mailparser", "the independent mail parser")


def parse_with_mailparser(raw: bytes) -> dict:
    """What Nodemailer's mailparser takes from the message: subject, messageId,
    listUnsubscribe ({url, mail}), listId, listUnsubscribePost."""
    node = _node_ready()
    done = subprocess.run(
        [node, str(NODE_DIR / "parse_mail.js")],
        input=raw,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)
