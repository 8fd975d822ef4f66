from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, request
from flask_sqlalchemy.pagination import Pagination, SelectPagination

from ..extensions import db
from .page_cache import per_change

# Beyond any real list (100 per page × 10 000 pages); larger numbers only overflow offsets.
MAX_PAGE = 10_000


def page_arg(name: str = "page") -> int:
    """`?page=` as a number from 1 to MAX_PAGE; missing or empty is 1. Anything else (0, -1,
    "abc", 99999999999999999999) names a page that does not exist: 404."""
    raw = request.args.get(name, "")
    if raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_PAGE))):
        abort(404)
    number = int(raw)
    if not 1 <= number <= MAX_PAGE:
        abort(404)
    return number


def paginate(stmt, per_page: int) -> Pagination:
    """A page of results from `?page=`; a page that does not exist (0, -1, 10⁹, "abc") is a 404."""
    return db.paginate(
        stmt,
        page=page_arg(),
        per_page=per_page,
        max_per_page=100,
        error_out=True,
    )


class KeptCountPagination(SelectPagination):
    """A page whose total is counted once per change of the database and shared by every
    request that names the same `count_key` (the filters, and whose view of the data it
    is), so turning pages costs only the page's own query. The count selects no columns,
    so the database does not read the rows' text to count them."""

    def __init__(self, *, count_key: str, total: Callable[[], int] | None = None, **kwargs):
        self._count_key = count_key
        self._total = total
        super().__init__(**kwargs)

    def _count(self) -> int:
        if self._total is not None:
            return self._total()
        select = self._query_args["select"]
        session = self._query_args["session"]
        rows = select.order_by(None).with_only_columns(
            sa.literal_column("1"), maintain_column_froms=True
        )
        return session.execute(sa.select(sa.func.count()).select_from(rows.subquery())).scalar()

    def _query_count(self) -> int:
        return per_change(f"count:{self._count_key}", self._count)


def paginate_with_kept_count(
    stmt,
    *,
    count_key: str,
    per_page: int,
    page: int | None = None,
    total: Callable[[], int] | None = None,
):
    """Like `paginate` (`?page=` unless `page` is given, a page past the end is a 404), with
    the total kept until the next change under `count_key`, which must name everything
    the total depends on: the filters and, where they differ, the viewer's rights.
    `total()`, when given, says the total from numbers the caller has anyway (counts per
    status, say) instead of counting the rows."""
    return KeptCountPagination(
        count_key=count_key,
        total=total,
        select=stmt,
        session=db.session(),
        page=page_arg() if page is None else page,
        per_page=per_page,
        max_per_page=100,
        error_out=True,
        count=True,
    )
