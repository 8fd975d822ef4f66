"""Imports every domain's models so Alembic and create_all() see the whole schema."""

from .auth.models import User  # noqa: F401
from .core.audit import AuditEntry  # noqa: F401
from .groups.models import WorkingGroup  # noqa: F401
from .mail.models import OutboxMessage  # noqa: F401
from .partners.models import Organisation  # noqa: F401
