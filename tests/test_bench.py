"""Every benchmark runs: each bench/*.py as a subprocess with a tiny N, so a broken
benchmark (an import cycle, a renamed function) fails the suite instead of going unnoticed."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if p.name != "common.py")
TINY = {
    "feed.py": ["--n", "5", "--requests", "3", "--http-rounds", "1", "--wrk-seconds", "1"],
    "http_pages.py": [
        *("--n", "2", "--threads", "1", "--workers", "1", "--scale", "1"),
        *("--wrk-seconds", "1", "--rounds", "1"),
    ],
    "newsletter_send.py": ["--n", "6", "--batch", "4"],
    "search.py": ["--n", "0.01", "--requests", "5", "--threads", "1", "--workers", "1"],
}


def test_every_benchmark_is_covered():
    assert {"feed.py", "http_pages.py", "mail_outbox.py", "newsletter_send.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_with_a_tiny_n(script):
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *TINY.get(script, ["--n", "3"])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ratio" in result.stdout or " vs " in result.stdout, result.stdout
