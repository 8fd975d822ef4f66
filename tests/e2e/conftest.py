"""Browser fixtures: the test app served on a free loopback port, Debian's Chromium driven
by pytest-playwright (one browser per run, one context per test) and an axe-core check."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from .support import CHROMIUM, CHROMIUM_ARGS, serve


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A fixed browser language, so a page without a chosen language is predictable."""
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture(scope="session")
def live_server(app):
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Runs axe-core on the page as it is now and fails on any violation."""

    def check(page):
        results = axe.run(page)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check
