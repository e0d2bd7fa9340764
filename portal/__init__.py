"""政务公开门户 — the application factory."""

from __future__ import annotations

import os
from inspect import CO_COROUTINE
from pathlib import Path
from types import FunctionType
from typing import ClassVar

from flask import Flask

from portal import config as portal_config

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent  # the checkout, when running from one


def bundled(name: str) -> Path:
    """`templates`, `static` or `migrations`: inside the package when installed from a
    wheel (setup.py maps them there), else at the top of the checkout."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PROJECT_ROOT / name


def default_instance_path() -> str | None:
    """PORTAL_INSTANCE_PATH, else `instance/` in a checkout, else Flask's own default
    (`<venv>/var/portal-instance`) for an installed wheel."""
    if os.environ.get("PORTAL_INSTANCE_PATH"):
        return os.environ["PORTAL_INSTANCE_PATH"]
    if (PROJECT_ROOT / "pyproject.toml").is_file() and not (PACKAGE_DIR / "templates").is_dir():
        return str(PROJECT_ROOT / "instance")
    return None


class PortalFlask(Flask):
    """Flask, asking a plain function whether it is a coroutine function by its code's
    flag. Flask asks `inspect.iscoroutinefunction` for every view and hook of every
    request (20 for a document's page), which also unwraps partials and methods; that is
    left to Flask for anything but a plain function. The portal has no async views."""

    # Every template the portal has is compiled at start (portal.warmup) and kept: a plain
    # dict instead of Jinja's LRU of 400, whose every hit takes a lock and moves the name
    # to the end of a list it searches from the front. A page looks up three or four.
    jinja_options: ClassVar[dict] = {**Flask.jinja_options, "cache_size": -1}

    def ensure_sync(self, func):
        if func.__class__ is FunctionType and not func.__code__.co_flags & CO_COROUTINE:
            return func
        return super().ensure_sync(func)


def create_app(config: dict | None = None) -> Flask:
    """Build the application. `config` overrides every other source (used by tests)."""
    app = PortalFlask(
        __name__,
        instance_path=default_instance_path(),
        template_folder=str(bundled("templates")),
        static_folder=str(bundled("static")),
    )
    load_config(app, config or {})
    register_logging(app)
    register_url_converters(app)
    register_body_limits(app)
    register_extensions(app)
    register_blueprints(app)
    register_access_policy(app)
    register_page_cache(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    from portal import headers, logs
    from portal.compression import Compress
    from portal.safety import PercentEncodeQuery

    headers.init_app(app)  # ProxyFix (when configured) wraps the app outermost but one
    app.wsgi_app = PercentEncodeQuery(Compress(app.wsgi_app))
    logs.wrap(app)  # outermost: the request id and the request line cover every answer
    return app


def load_config(app: Flask, overrides: dict) -> None:
    """Defaults, instance/config.py, PORTAL_* variables, then `overrides`. Raises
    ConfigurationError (an unknown or malformed setting; in production, a missing secret
    key or database URL) before anything is created."""
    environment = portal_config.from_environment()
    portal_config.require_production_settings({**environment, **overrides})
    app.config.from_object(portal_config.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(environment)
    app.config.update(overrides)
    _private_folder(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{app.instance_path}/portal.db"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = portal_config.persistent_secret_key(app.instance_path)
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")


def _private_folder(path: Path) -> None:
    """The instance folder holds the database, the secret key and uploads: owner only."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        path.chmod(0o700)  # whatever the umask


def register_logging(app: Flask) -> None:
    """JSON log lines; its before_request hook is the first of all."""
    from portal import logs

    logs.init_app(app)


def register_url_converters(app: Flask) -> None:
    """Before any blueprint: routes bind their converters when they are added. Also the
    request class whose form parser keeps a body with stray non-UTF-8 bytes."""
    from portal.safety import DatabaseIntConverter, PortalRequest

    app.url_map.converters["int"] = DatabaseIntConverter
    app.request_class = PortalRequest


def register_body_limits(app: Flask) -> None:
    """The first before_request hook: each route's body limit, before anything reads it."""
    from portal import bodylimit

    bodylimit.init_app(app)


def register_extensions(app: Flask) -> None:
    from portal import ratelimit
    from portal.database import configure_engine, release_sessions_safely
    from portal.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    release_sessions_safely(app)
    migrate.init_app(app, db, directory=str(bundled("migrations")))
    ratelimit.init_app(app)  # counts before anything touches the db (after body limits)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "info"
    with app.app_context():
        configure_engine(app, db.engine)

    from portal.auth import sessions
    from portal.auth.services import load_user_from_session

    login_manager.user_loader(load_user_from_session)
    sessions.init_app(app)  # idle and absolute timeouts, before the access policy
    import_models()

    # Version bumps and 受理编号 wait for a flush's first row write (see the module)
    from portal import first_write

    first_write.install(db.session)

    # The search index follows publications in the same transaction
    from portal import search

    search.init_app(app)

    # the inspector's dashboard snapshots follow changes to work orders
    from portal.inspection import snapshot

    snapshot.init_app(app)

    # the inspector's totals follow every flush of a work order
    from portal.inspection import figures

    figures.init_app(app)  # and with them the counts per deadline (open_counts)


def import_models() -> None:
    """Import every model module so metadata (and Alembic) sees all tables."""
    import portal.annual_report.models
    import portal.attachments.models
    import portal.audit.models
    import portal.auth.models
    import portal.catalogue.models
    import portal.consultations.models
    import portal.disclosures.models
    import portal.disputes.models
    import portal.enforcement.models
    import portal.execution.models
    import portal.inquiries.models
    import portal.inspection.models
    import portal.notifications.models
    import portal.open311.models  # Open311 API keys
    import portal.organizations.models
    import portal.pagecache.models  # content version for cached public pages
    import portal.personal_data.models
    import portal.ratelimit.models
    import portal.search.models  # search index
    import portal.transparency.models
    import portal.villages.models
    import portal.workdays.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from portal.annual_report.views import bp as annual_report_bp
    from portal.auth.account_views import account_bp, users_bp
    from portal.auth.views import bp as auth_bp
    from portal.disclosures.views import public_bp as disclosures_public_bp
    from portal.disclosures.views import staff_bp as disclosures_staff_bp
    from portal.inquiries.public_views import bp as inquiries_bp
    from portal.inquiries.staff_views import bp as inquiries_staff_bp
    from portal.inspection.views import bp as inspection_bp
    from portal.public.preferences import bp as preferences_bp
    from portal.public.site_files import bp as site_files_bp
    from portal.public.views import bp as public_bp
    from portal.staff.views import bp as staff_bp
    from portal.villages.public_views import bp as villages_bp
    from portal.villages.staff_views import bp as villages_staff_bp
    from portal.workdays.views import bp as workdays_bp

    for blueprint in (public_bp, site_files_bp, preferences_bp, auth_bp, staff_bp,
                      disclosures_public_bp, disclosures_staff_bp, workdays_bp, inquiries_bp,
                      inquiries_staff_bp, villages_bp, villages_staff_bp, inspection_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(account_bp)  # one's own password and second factor
    app.register_blueprint(users_bp)  # administrators' user management
    app.register_blueprint(annual_report_bp)  # 政府信息公开工作年度报告
    from portal.audit.views import bp as refusals_bp

    app.register_blueprint(refusals_bp)  # anonymous refusals, counted
    register_civic_blueprints(app)
    register_open_data_blueprints(app)
    from portal.health import bp as health_bp

    app.register_blueprint(health_bp)  # /healthz, /readyz
    from portal.organizations.views import bp as organizations_bp

    app.register_blueprint(organizations_bp)  # administrators keep the tree
    from portal.transfer.views import bp as open_data_bp

    app.register_blueprint(open_data_bp)  # every public record to download
    from portal.notifications import views as notification_views

    app.register_blueprint(notification_views.public_bp)  # residents' stop links
    app.register_blueprint(notification_views.bp)  # the staff 消息 centre
    from portal.notifications.admin_views import bp as notification_admin_bp

    app.register_blueprint(notification_admin_bp)  # delivery log, wording, test message


def register_civic_blueprints(app: Flask) -> None:
    """征求意见, 执行公开, 公开目录, 行政执法公示, 矛盾纠纷排查化解."""
    from portal.catalogue.views import public_bp as catalogue_bp
    from portal.catalogue.views import staff_bp as catalogue_staff_bp
    from portal.consultations.public_views import bp as consultations_bp
    from portal.consultations.staff_views import bp as consultations_staff_bp
    from portal.disputes.public_views import bp as disputes_bp
    from portal.disputes.staff_views import bp as disputes_staff_bp
    from portal.enforcement.public_views import bp as enforcement_bp
    from portal.enforcement.staff_views import bp as enforcement_staff_bp
    from portal.execution.public_views import bp as execution_bp
    from portal.execution.staff_views import bp as execution_staff_bp

    for blueprint in (consultations_bp, consultations_staff_bp, execution_bp,
                      execution_staff_bp, catalogue_bp, catalogue_staff_bp, enforcement_bp,
                      enforcement_staff_bp, disputes_bp, disputes_staff_bp):
        app.register_blueprint(blueprint)


def register_open_data_blueprints(app: Flask) -> None:
    """Search, feeds and sitemap, the JSON API and Open311."""
    from portal.api.views import bp as api_bp
    from portal.feeds.views import bp as feeds_bp
    from portal.open311.admin_views import bp as open311_admin_bp
    from portal.open311.views import bp as open311_bp
    from portal.search.views import bp as search_bp
    from portal.transparency.views import bp as transparency_bp

    for blueprint in (search_bp, feeds_bp, api_bp, open311_bp, open311_admin_bp,
                      transparency_bp):
        app.register_blueprint(blueprint)


def register_access_policy(app: Flask) -> None:
    from portal.access import register

    register(app)


def register_page_cache(app: Flask) -> None:
    """Cached public pages with ETag/Last-Modified; after the access policy. Whatever it
    does not mark as shareable is sent `no-store`."""
    from portal import headers, pagecache

    headers.register_cache_default(app)
    pagecache.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from portal.error_pages import register_errorhandlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from portal.templating import register

    register(app)


def register_commands(app: Flask) -> None:
    from portal.annual_report.cli import annual_report_command
    from portal.audit.cli import audit_cli
    from portal.auth.cli import create_user_command, secrets_cli
    from portal.demo.cli import demo_load_command
    from portal.workdays.cli import workdays_cli

    app.cli.add_command(create_user_command)
    app.cli.add_command(secrets_cli)
    from portal.personal_data.cli import attachments_cli
    from portal.transparency.cli import transparency_cli

    app.cli.add_command(attachments_cli)
    app.cli.add_command(transparency_cli)
    app.cli.add_command(demo_load_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(workdays_cli)
    app.cli.add_command(annual_report_command)
    from portal.inspection.cli import inspection_cli

    app.cli.add_command(inspection_cli)
    # Search index and Open311 keys
    from portal.open311.cli import open311_cli
    from portal.search.cli import search_cli

    app.cli.add_command(search_cli)
    app.cli.add_command(open311_cli)
    from portal.backup.cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from portal.docs_cli import docs_cli

    app.cli.add_command(docs_cli)  # docs generated from code (state diagrams)
    from portal.notifications.cli import notify_cli

    app.cli.add_command(notify_cli)  # the notification worker
    from portal import schema_cli

    schema_cli.init_app(app)  # `db downgrade` refuses to drop records without --yes
    from portal.organizations.cli import init_command, org_cli

    app.cli.add_command(init_command)  # going live: the county and its first admin
    app.cli.add_command(org_cli)
    from portal.transfer.cli import disclosures_cli, export_command, open_data_command

    app.cli.add_command(disclosures_cli)  # historical documents from an earlier site
    app.cli.add_command(export_command)  # every public record, resumable
    app.cli.add_command(open_data_command)  # the /open-data/ package, now
