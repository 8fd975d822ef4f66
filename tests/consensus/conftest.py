"""The concurrency tests need PostgreSQL (row locks, a server that runs transactions side by
side). On SQLite they are deselected rather than skipped, because in CI a skip counts as a
failure; the PostgreSQL run of CI runs them."""

import os


def pytest_collection_modifyitems(config, items):
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
        return
    postgres_only = [item for item in items if item.module.__name__.endswith("test_concurrency")]
    if postgres_only:
        config.hook.pytest_deselected(items=postgres_only)
        items[:] = [item for item in items if item not in postgres_only]
