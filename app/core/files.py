"""Files that belong to a database row exist exactly when the row does.

A new file is written under a temporary name and moved into place when the transaction
commits; if it rolls back (an insert failed, the request broke off) the temporary file is
removed. A file whose row is deleted is removed only after the commit, so a rollback keeps
both. The session's `info` carries the pending work from the request to these hooks.
"""

import os
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, SessionTransaction

PENDING = "files_pending"
DOOMED = "files_doomed"


def stage_file(session: Session, path: Path, content: bytes) -> None:
    """Writes `content` for `path`; the file appears under that name when `session` commits."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    temporary.write_bytes(content)
    session.info.setdefault(PENDING, []).append((temporary, path))


def current_file(session: Session, path: Path) -> Path:
    """Where the content for `path` is now: its temporary name while the transaction that
    wrote it is still open (e.g. for the search index, which reads it before the commit)."""
    for temporary, final in session.info.get(PENDING, []):
        if final == path:
            return temporary
    return path


def remove_file_on_commit(session: Session, path: Path) -> None:
    session.info.setdefault(DOOMED, []).append(path)


@sa.event.listens_for(Session, "after_commit")
def _move_into_place(session: Session) -> None:
    for temporary, path in session.info.pop(PENDING, []):
        os.replace(temporary, path)
    for path in session.info.pop(DOOMED, []):
        path.unlink(missing_ok=True)


@sa.event.listens_for(Session, "after_transaction_end")
def _clean_up(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    # Still pending after the outermost transaction ended: it was not committed.
    for temporary, _path in session.info.pop(PENDING, []):
        temporary.unlink(missing_ok=True)
    session.info.pop(DOOMED, None)
