"""Parsers that share no code with Python's `email` package, to read our wire bytes back:
Nodemailer's mailparser (npm, installed into tests/mail/node on first use)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"


def _node_ready() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed for the independent mail parser")
    if not (NODE_DIR / "node_modules" / "mailparser").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=NODE_DIR,
            check=True,
            timeout=300,
        )
    return node


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
