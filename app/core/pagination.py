from flask import request
from flask_sqlalchemy.pagination import Pagination

from ..extensions import db


def paginate(stmt, per_page: int) -> Pagination:
    """A page of results from `?page=`; a page that does not exist (0, -1, 10⁹, "abc") is a 404."""
    return db.paginate(
        stmt,
        page=request.args.get("page", 1, type=int),
        per_page=per_page,
        max_per_page=100,
        error_out=True,
    )
