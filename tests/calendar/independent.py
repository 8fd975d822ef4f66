"""ical.js (npm; the parser Thunderbird uses), a reader of our .ics bytes that shares no
code with icalendar or vobject: installed into tests/calendar/node on first use, the way
tests/mail/independent.py installs mailparser. Without node and npm the test is skipped,
except in CI (CI=true), where that is a failure."""

import json
import os
import subprocess
from pathlib import Path

from tests.node_tools import node_with

NODE_DIR = Path(__file__).resolve().parent / "node"


def _node_ready() -> str:
    return node_with(NODE_DIR, "ical.js", "ical.js, the independent calendar parser")


def parse_with_icaljs(raw: bytes) -> dict:
    """What ical.js takes from the stream: `method`, `name` (X-WR-CALNAME),
    `refreshInterval`, `timezones` ([{tzid, parts: [{kind, offsetTo, rrule, rdates}]}]) and
    `events` ([{uid, summary, description, location, sequence, status, url,
    start/end: {utc, local, tzid}}]). Node runs with TZ=UTC, so a TZID it could not resolve
    from the stream's own VTIMEZONE shows as a shifted UTC time."""
    node = _node_ready()
    done = subprocess.run(
        [node, str(NODE_DIR / "parse_ics.mjs")],
        input=raw,
        capture_output=True,
        check=True,
        timeout=60,
        env={**os.environ, "TZ": "UTC"},
    )
    return json.loads(done.stdout)
