"""The benchmark's PostgreSQL is the one a county deploys: docs/deploy/postgresql.conf,
with its memory and with every commit flushed to disk (the test suite's server flushes
nothing, which would flatter every write the benchmark measures)."""

from __future__ import annotations

import glob

import pytest
import sqlalchemy as sa

from bench.databases import Postgres
from bench.processes import free_port


@pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                    reason="PostgreSQL from Debian's packages is installed by .ci/run")
def test_the_benchmark_runs_postgresql_with_the_deployment_settings(monkeypatch):
    monkeypatch.setenv("PG_PORT", str(free_port()))  # not the test suite's own server
    server = Postgres()
    try:
        engine = sa.create_engine(server.url)
        with engine.connect() as conn:
            shown = {name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in
                     ("fsync", "synchronous_commit", "full_page_writes", "shared_buffers",
                      "effective_cache_size", "listen_addresses")}
        engine.dispose()
    finally:
        server.stop()
    assert shown == {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on",
                     "shared_buffers": "2GB", "effective_cache_size": "6GB",
                     "listen_addresses": "127.0.0.1"}
