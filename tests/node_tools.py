"""Independent parsers from npm that the tests read our wire formats back with (Nodemailer's
mailparser, ical.js): each lives in a folder of its own with a pinned package-lock.json and
is installed there with `npm ci` on first use. Without node and npm such a test is skipped,
except in CI (CI=true), where that is a failure."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def node_with(folder: Path, package: str, purpose: str) -> str:
    """The node executable, once `package` is installed in `folder`."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        message = f"node and npm are needed for {purpose}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    if not (folder / "node_modules" / package).is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=folder,
            check=True,
            timeout=300,
        )
    return node
