"""The schema comes only from migrations, and the migrations match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db
from portal.search.models import is_engine_table


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        # The search engine's own tables exist per engine, outside the metadata.
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, type_, _parents: not (
                type_ == "table" and is_engine_table(name))})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
