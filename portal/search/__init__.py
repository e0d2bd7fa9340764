"""站内搜索: Chinese full-text search over disclosures, village notices and published
replies, on SQLite FTS5 or PostgreSQL full-text search (`portal.search.index`).

`init_app` installs the session listeners that keep the index in step with every
publication, revision and withdrawal (`portal.search.sync`).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Keep the index in the same transaction as the documents it describes."""
    from portal.extensions import db
    from portal.search.sync import install

    install(db.session)
