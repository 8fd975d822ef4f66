"""Imports every domain's models so Alembic and create_all() see the whole schema."""

from .auth import models as auth_models  # noqa: F401
from .consensus import models as consensus_models  # noqa: F401
from .core import audit  # noqa: F401
from .groups import models as groups_models  # noqa: F401
from .home import models as home_models  # noqa: F401
from .mail import models as mail_models  # noqa: F401
from .meetings import models as meetings_models  # noqa: F401
from .newsletter import models as newsletter_models  # noqa: F401
from .partners import models as partners_models  # noqa: F401
from .projects import models as projects_models  # noqa: F401
from .search import models as search_models  # noqa: F401
from .visits import models as visits_models  # noqa: F401
