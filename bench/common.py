"""What every benchmark shares: `--database-url` and `--n`, and a database to fill.

Without `--database-url` a benchmark uses a throw-away SQLite file. With one (for example
`postgresql://postgres@127.0.0.1:5432/nwb_bench`) it fills that database and empties it
again afterwards, so give it one that holds nothing else."""

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def arguments(doc: str, n: int, n_help: str, *aliases: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--n", *aliases, dest="n", type=int, default=n, help=n_help)
    parser.add_argument(
        "--database-url", default=None, help="an empty database to use (default: SQLite file)"
    )
    return parser


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """A database URL: a temporary SQLite file, or `url`, emptied again at the end."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    try:
        yield url
    finally:
        empty(url)


def empty(url: str) -> None:
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()


def kind(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"
