import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# The portal configures logging itself (JSON lines, portal/logs.py); the file's plain
# settings apply only when nothing has, and never silence the loggers already made.
if not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def render_item(type_, obj, autogen_context):
    """Write the application's column types as their plain SQLAlchemy base, so migrations
    never import application code."""
    from sqlalchemy.types import TypeDecorator

    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{type(obj.impl).__name__}()"
    return False


def include_name(name, type_, parent_names):
    """Leave the search engine's own tables out of autogenerate."""
    from portal.search.models import is_engine_table

    return not (type_ == "table" and is_engine_table(name))


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        # Batch mode lets later migrations alter columns on SQLite as well.
        conf_args.setdefault("render_as_batch", True)
        conf_args.setdefault("render_item", render_item)
        conf_args.setdefault("compare_type", True)
        # The search engine's own tables (FTS5 on SQLite, tsvector on PostgreSQL)
        # are made by migration 0009 per engine and are not in the metadata.
        conf_args.setdefault("include_name", include_name)
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch step copies a table and DROPs the old one; with foreign keys on, SQLite
            # refuses the DROP of a table other rows reference. They are off while migrating
            # (PRAGMA foreign_keys has no effect inside a transaction) and every reference is
            # checked before the migration commits.
            _sqlite_foreign_keys(connection, on=False)
        try:
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"迁移后有 {len(broken)} 处外键引用不存在的记录，"
                                           f"已回滚：{broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()
                _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection, *, on: bool) -> None:
    """Outside any transaction, on the driver's connection (the engine's "begin" hook would
    wrap a statement sent through SQLAlchemy in BEGIN, where the pragma does nothing)."""
    if connection.in_transaction():
        connection.commit()
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
