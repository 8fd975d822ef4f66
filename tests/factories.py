"""Plain builders for test data: sensible defaults, every field overridable."""

import itertools

from app.auth.models import Gender, User
from app.extensions import db

_counter = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    password: str | None = "correct-horse-battery",
    is_admin: bool = False,
    is_active: bool = True,
    locale: str = "en",
    gender: Gender = Gender.not_stated,
    function: str = "",
) -> User:
    n = next(_counter)
    user = User(
        email=(email or f"person{n}@example.org").lower(),
        name=name or f"Person {n}",
        is_admin=is_admin,
        is_active=is_active,
        locale=locale,
        gender=gender,
        function=function,
    )
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
