from flask import abort, request
from flask_sqlalchemy.pagination import Pagination

from ..extensions import db

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
