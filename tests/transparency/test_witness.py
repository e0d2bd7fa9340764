"""Two portals witness each other: each checks the other's newest head against the last
one it countersigned (signature, consistency proof) before signing it; a peer whose log
was rewritten or shortened is refused, and the refusal is on the record."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.auth.system import SYSTEM
from portal.errors import Conflict
from portal.extensions import db
from portal.transparency import heads, witness
from portal.transparency.models import Cosignature
from tests.conftest import PG_ADMIN_URL
from tests.live_server import live_server


def flask(database_url: str, instance, *args: str) -> str:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=database_url, PORTAL_SECRET_KEY="live-server-test-secret",
               PORTAL_INSTANCE_PATH=str(instance))
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def portal_instance(tmp_path, migrated_template, name: str):
    """A portal on its own copy of the database, with a key and a signed head."""
    import shutil

    folder = tmp_path / name
    folder.mkdir()
    database = folder / "portal.db"
    shutil.copyfile(migrated_template, database)
    url = f"sqlite:///{database}"
    flask(url, folder / "instance", "transparency", "keygen")
    flask(url, folder / "instance", "transparency", "sign-head")
    return {"database": url, "instance": folder / "instance", "folder": folder}


@pytest.fixture
def peer(tmp_path, migrated_template):
    """A second portal, on its own database, with signed heads, served by gunicorn."""
    if PG_ADMIN_URL:
        pytest.skip("the peer runs on a SQLite copy of the template")
    site = portal_instance(tmp_path, migrated_template, "peer")
    with live_server(site["database"], site["folder"], workers=1) as (port, _log):
        yield {**site, "url": f"http://127.0.0.1:{port}"}


@pytest.mark.skipif(bool(PG_ADMIN_URL), reason="two SQLite instances")
def test_two_instances_witness_each_other(tmp_path, migrated_template):
    import json
    import urllib.request

    a = portal_instance(tmp_path, migrated_template, "county")
    b = portal_instance(tmp_path, migrated_template, "town")
    with live_server(a["database"], a["folder"], workers=1) as (port_a, _), \
            live_server(b["database"], b["folder"], workers=1) as (port_b, _):
        url_a, url_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
        assert "已副署" in flask(a["database"], a["instance"], "transparency", "witness", url_b)
        assert "已副署" in flask(b["database"], b["instance"], "transparency", "witness", url_a)
        for mine, theirs in ((url_a, url_b), (url_b, url_a)):
            with urllib.request.urlopen(f"{mine}/transparency/cosignatures.json") as answer:
                published = json.loads(answer.read())
            with urllib.request.urlopen(f"{theirs}/transparency/heads.json") as answer:
                their_head = json.loads(answer.read())["heads"][-1]
            [cosigned] = published["cosignatures"]
            assert cosigned["origin"] == theirs
            assert cosigned["root_hash"] == their_head["root_hash"]
            assert cosigned["peer_signature"] == their_head["signature"]


def test_a_peers_log_that_grew_is_countersigned_again(app, signing_key, peer):
    first = witness.witness(peer["url"])
    flask(peer["database"], peer["instance"], "transparency", "sign-head")
    second = witness.witness(peer["url"])
    assert second.tree_size >= first.tree_size
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cosignature)) == 2


def test_a_peer_whose_log_was_rewritten_is_refused(app, signing_key, peer):
    witness.witness(peer["url"])
    rewritten = create_app({"SQLALCHEMY_DATABASE_URI": peer["database"], "SECRET_KEY": "x",
                            "TRANSPARENCY_KEY_FILE": str(peer["instance"] / "transparency"
                                                         / "log-key")})
    with rewritten.app_context():
        with db.engine.begin() as conn:
            for statement in ("DROP TRIGGER IF EXISTS tree_heads_no_delete",
                              "DELETE FROM tree_heads"):
                conn.exec_driver_sql(statement)
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS merkle_leaves_no_update")
            conn.exec_driver_sql("UPDATE merkle_leaves SET leaf_hash = x'00' WHERE \"index\" = 0")
        from portal import audit

        audit.record(SYSTEM, "test.more", None)
        db.session.commit()
        heads.sign_head()
        db.session.remove()
    with pytest.raises(Conflict, match="拒绝副署"):
        witness.witness(peer["url"])
    refused = db.session.scalar(sa.select(sa.func.count()).select_from(
        audit_events_table()).where(sa.text("action = 'transparency.witness_refused'")))
    assert refused == 1


def audit_events_table():
    from portal.audit.models import AuditEvent

    return AuditEvent.__table__
