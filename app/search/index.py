"""Keeps the search index current: after every flush, each added, changed or deleted row of
an indexed model (or of a part of one, such as an agenda item) replaces that thing's entry,
in the same transaction as the change. `rebuild()` makes the whole index anew."""

import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from ..extensions import db
from .models import SearchEntry
from .sources import BUILDERS, OWNERS, source_of

entries = SearchEntry.__table__


def _row(obj) -> dict | None:
    data = BUILDERS[type(obj)](obj)
    if data is None:
        return None
    return {"source": source_of(type(obj)), "ref_id": obj.id, **data.row()}


def _write(connection, targets: dict[tuple[type, int], object | None]) -> None:
    by_source: dict[str, list[int]] = {}
    for model, ref_id in targets:
        by_source.setdefault(source_of(model), []).append(ref_id)
    for source, ids in by_source.items():
        connection.execute(
            sa.delete(entries).where(entries.c.source == source, entries.c.ref_id.in_(ids))
        )
    rows = [row for obj in targets.values() if obj is not None and (row := _row(obj))]
    if rows:
        connection.execute(sa.insert(entries), rows)


def _after_flush(session, _flush_context) -> None:
    """Notes what changed; nothing is loaded while the flush is still registering rows."""
    changed = session.info.setdefault("search_changed", [])
    deleted = session.deleted
    for obj in list(session.new) + list(session.dirty) + list(deleted):
        if type(obj) in BUILDERS or type(obj) in OWNERS:
            changed.append((obj, obj in deleted))


def _after_flush_postexec(session, _flush_context) -> None:
    changed = session.info.pop("search_changed", None)
    if not changed:
        return
    gone = {id(obj) for obj, is_deleted in changed if is_deleted}
    targets: dict[tuple[type, int], object | None] = {}
    for obj, is_deleted in changed:
        model = type(obj)
        if model in BUILDERS:
            if obj.id is not None:
                targets[(model, obj.id)] = None if is_deleted else obj
        else:
            owner = OWNERS[model](obj)
            if owner is not None and id(owner) not in gone and owner.id is not None:
                targets.setdefault((type(owner), owner.id), owner)
    for key, obj in list(targets.items()):
        if obj is not None and sa.inspect(obj).deleted:
            targets[key] = None
    if targets:
        _write(session.connection(), targets)


def init_app(_app) -> None:
    if not sa.event.contains(Session, "after_flush", _after_flush):
        sa.event.listen(Session, "after_flush", _after_flush)
        sa.event.listen(Session, "after_flush_postexec", _after_flush_postexec)


def rebuild(batch: int = 500) -> int:
    """Empties the index and indexes everything again; returns the number of entries."""
    connection = db.session.connection()
    connection.execute(sa.delete(entries))
    count = 0
    for model in BUILDERS:
        rows = []
        for obj in db.session.scalars(sa.select(model).order_by(model.id)):
            row = _row(obj)
            if row is not None:
                rows.append(row)
            if len(rows) >= batch:
                connection.execute(sa.insert(entries), rows)
                count += len(rows)
                rows = []
        if rows:
            connection.execute(sa.insert(entries), rows)
            count += len(rows)
    return count
