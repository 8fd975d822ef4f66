"""The search index: one row per findable thing, kept current by the session events in
`index.py`. The full-text machinery lives beside the table and differs per database:
SQLite gets an FTS5 table fed by triggers, PostgreSQL a `tsvector` column that a trigger
fills with Dutch and German word forms of the unaccented text (plus `pg_trgm` on titles for
typos). Python code only ever writes plain rows."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import UTCDateTime
from ..extensions import db

FTS_TABLE = "search_fts"

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body, "
    "content='search_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS search_fts"]

POSTGRES_EXTENSIONS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
]
POSTGRES_DDL = [
    """CREATE OR REPLACE FUNCTION search_entries_document() RETURNS trigger AS $$
BEGIN
  NEW.document :=
    setweight(to_tsvector('dutch'::regconfig, unaccent(coalesce(NEW.title, ''))), 'A') ||
    setweight(to_tsvector('german'::regconfig, unaccent(coalesce(NEW.title, ''))), 'A') ||
    setweight(to_tsvector('dutch'::regconfig, unaccent(coalesce(NEW.body, ''))), 'B') ||
    setweight(to_tsvector('german'::regconfig, unaccent(coalesce(NEW.body, ''))), 'B');
  RETURN NEW;
END
$$ LANGUAGE plpgsql""",
    "CREATE TRIGGER search_entries_document BEFORE INSERT OR UPDATE OF title, body "
    "ON search_entries FOR EACH ROW EXECUTE FUNCTION search_entries_document()",
]
POSTGRES_DROP = ["DROP FUNCTION IF EXISTS search_entries_document() CASCADE"]


class SearchEntry(db.Model):
    """One findable thing: `source` is the table it comes from and `ref_id` its row; `kind`
    is the type a reader filters by. Access is decided in the query from `is_public` (an
    anonymous visitor may see it), `group_id` (a private group hides it from non-members)
    and `meeting_id` (invitees see their meeting)."""

    __tablename__ = "search_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(40))
    ref_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    parent_id: Mapped[int | None] = mapped_column()
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    is_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Every language's title in one string (what is matched) and per language (what is shown).
    title: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    titles: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    body: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Where each part of the body lies: [[language or "", start, end], …] (for snippets).
    sections: Mapped[list] = mapped_column(sa.JSON, default=list)
    happened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    document: Mapped[str | None] = mapped_column(sa.Text().with_variant(TSVECTOR(), "postgresql"))

    __table_args__ = (
        sa.UniqueConstraint("source", "ref_id"),
        sa.Index("ix_search_entries_document", "document", postgresql_using="gin"),
        sa.Index(
            "ix_search_entries_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
    )

    def __repr__(self) -> str:
        return f"<SearchEntry {self.source}:{self.ref_id} {self.kind}>"

    def title_in(self, lang: str) -> str:
        titles = self.titles or {}
        for code in (lang, "nl", "de", "en"):
            if titles.get(code):
                return titles[code]
        return self.title


def _run(statements: list[str]):
    def listener(_target, connection, **_kw):
        for statement in statements:
            connection.exec_driver_sql(statement)

    return listener


def _for(dialect: str, listener):
    def guarded(target, connection, **kw):
        if connection.dialect.name == dialect:
            listener(target, connection, **kw)

    return guarded


# create_all()/drop_all() (the tests) make the same machinery as the migration.
sa.event.listen(
    SearchEntry.__table__, "before_create", _for("postgresql", _run(POSTGRES_EXTENSIONS))
)
sa.event.listen(SearchEntry.__table__, "after_create", _for("postgresql", _run(POSTGRES_DDL)))
sa.event.listen(SearchEntry.__table__, "after_create", _for("sqlite", _run(SQLITE_DDL)))
sa.event.listen(SearchEntry.__table__, "before_drop", _for("sqlite", _run(SQLITE_DROP)))
sa.event.listen(SearchEntry.__table__, "after_drop", _for("postgresql", _run(POSTGRES_DROP)))


def is_schema_object(name, type_, _parent_names) -> bool:
    """For schema comparison (Alembic): the FTS5 table and its shadow tables are made by
    hand beside the models, so they are not differences."""
    return not (type_ == "table" and name.startswith(FTS_TABLE))
