"""Netwerkbrug: the application factory."""

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from . import config as config_module
from .extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

LOGIN_MESSAGE = _l("Please sign in to open this page.")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_module.Defaults)
    app.config.update(config_module.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    from .core.database import render_migration_item
    from .search.models import is_schema_object

    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
        include_name=is_schema_object,
    )
    from .auth.throttle import check_storage_is_shared

    check_storage_is_shared(app)
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = LOGIN_MESSAGE
    login_manager.login_message_category = "info"

    from .core import i18n

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)

    from .core import boundary, database, errors, page_cache, security

    boundary.init_app(app)
    database.init_app(app)
    security.init_app(app)
    page_cache.init_app(app)
    errors.init_app(app)

    from . import models  # noqa: F401  (every model is registered before the first query)
    from .auth import bp as auth_bp
    from .auth.admin import bp as admin_bp
    from .calendar import bp as calendar_bp
    from .consensus import bp as consensus_bp
    from .core.views import bp as core_bp
    from .groups import bp as groups_bp
    from .home import bp as home_bp
    from .mail.views import bp as mail_bp
    from .meetings import bp as meetings_bp
    from .newsletter import bp as newsletter_bp
    from .partners import bp as partners_bp
    from .projects import bp as projects_bp
    from .reports import bp as reports_bp
    from .search import bp as search_bp
    from .visits import bp as visits_bp

    for blueprint in (
        core_bp,
        auth_bp,
        admin_bp,
        partners_bp,
        groups_bp,
        meetings_bp,
        calendar_bp,
        consensus_bp,
        newsletter_bp,
        reports_bp,
        visits_bp,
        projects_bp,
        mail_bp,
        search_bp,
        home_bp,
    ):
        app.register_blueprint(blueprint)

    from .search import index as search_index

    search_index.init_app(app)

    from .cli import register_cli

    register_cli(app)
    from .core import not_modified

    not_modified.init_app(app)  # answers a matching conditional poll before Flask
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return app
