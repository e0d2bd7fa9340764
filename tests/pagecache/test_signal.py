"""The host's write signal: a cached page skips reading the content version while nothing
can have changed, and never once a change has committed, wherever on this host it was made."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import PROJECT_ROOT
from portal.disclosures import services
from portal.extensions import db
from portal.pagecache import signal as write_signal
from portal.pagecache import version
from portal.pagecache.signal import WriteSignal, idle


@pytest.fixture
def hold(monkeypatch):
    """A reader keeps what it read for an hour unless the signal moves, so a change that
    slipped past the signal shows as a stale page instead of a second running out."""
    monkeypatch.setattr(write_signal, "READ_AT_LEAST_EVERY", 3600.0)


@pytest.fixture
def reads(monkeypatch):
    """How many times the content version was read from the database."""
    done = []
    original = version.VersionReader._read

    def counted(self):
        done.append(1)
        return original(self)

    monkeypatch.setattr(version.VersionReader, "_read", counted)
    return done


def _reader(app):
    return app.extensions["pagecache"][1]


def _signal(app) -> WriteSignal:
    return app.extensions["pagecache_signal"]


def _in_another_process(app, code: str, *, expect_exit: int = 0) -> None:
    """Run `code` in a fresh Python process with the portal's app (`app`) and context, on
    this test's database and instance folder, as a `flask` command on the host would."""
    db.session.remove()  # the test's own session lets go of the database
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environment.update({
        "PORTAL_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_SECRET_KEY": "signal-test-secret",
        "PORTAL_INSTANCE_PATH": app.instance_path,
    })
    program = "from portal import create_app\napp = create_app()\nwith app.app_context():\n" \
        + textwrap.indent(textwrap.dedent(code), "    ")
    finished = subprocess.run([sys.executable, "-c", program], cwd=PROJECT_ROOT,
                              env=environment, capture_output=True, text=True, timeout=120)
    assert finished.returncode == expect_exit, finished.stderr


def test_a_cached_page_reads_nothing_while_nothing_changes(client, published, staff, hold,
                                                           reads):
    doc = published(title="第五批低保名单")
    path = f"/disclosures/{doc.id}"
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    reads.clear()
    assert [client.get(path).status_code for _ in range(5)] == [200] * 5
    assert reads == []

    services.withdraw(staff["reviewer"], doc.id, "名单有误")
    assert client.get(path).status_code == 404
    assert len(reads) >= 1


def test_a_withdrawal_by_another_process_on_this_host_shows_at_once(app, client, published,
                                                                     staff, hold, reads):
    doc = published(title="第六批低保名单")
    path = f"/disclosures/{doc.id}"
    for _ in range(2):
        assert client.get(path).status_code == 200
    reads.clear()
    assert client.get(path).status_code == 200 and reads == []  # kept, not read

    _in_another_process(app, f"""
        from portal.disclosures import services
        from portal.extensions import db
        from portal.auth.models import User
        services.withdraw(db.session.get(User, {staff["reviewer"].id}), {doc.id}, "名单有误")
    """)
    assert client.get(path).status_code == 404


def test_a_change_in_flight_sends_every_reader_to_the_database(app, hold, reads):
    reader, signal = _reader(app), _signal(app)
    first = reader.read()
    assert reader.read() == first and len(reads) == 1

    with db.engine.begin() as connection:
        version.bump_tags(connection, ["doc:1"])
        assert not idle(signal.word())
        assert reader.read() == first  # not committed yet, but asked
        assert len(reads) == 2
    assert idle(signal.word())
    assert reader.read()[0] == first[0] + 1

    for undo in ("rollback", "session"):
        if undo == "rollback":
            with db.engine.connect() as connection:
                transaction = connection.begin()
                version.bump_tags(connection, ["doc:2"])
                transaction.rollback()
        else:
            version.bump_tags(db.session.connection(), ["doc:2"])
            db.session.rollback()
        assert idle(signal.word())
        assert reader.read()[0] == first[0] + 1
        reads.clear()
        assert reader.read()[0] == first[0] + 1 and reads == []


def test_a_writer_killed_mid_change_is_swept_away(app, hold, reads):
    reader, signal = _reader(app), _signal(app)
    first = reader.read()
    _in_another_process(app, """
        import os
        from portal.extensions import db
        from portal.pagecache import version
        with db.engine.begin() as connection:
            version.bump_tags(connection, ["doc:3"])
            os._exit(3)  # killed before it could commit
    """, expect_exit=3)
    assert not idle(signal.word())
    assert reader.read() == first  # asked the database, and swept the dead process out
    assert idle(signal.word())
    assert reader.read() == first
    reads.clear()
    assert reader.read() == first and reads == []  # kept again


def test_a_writer_the_signal_cannot_see_shows_within_a_second(app, monkeypatch):
    reader = _reader(app)
    now = [1000.0]
    monkeypatch.setattr(version, "monotonic", lambda: now[0])
    first = reader.read()
    with db.engine.begin() as connection:  # as from another host: no signal
        connection.execute(sa.text("UPDATE content_versions SET version = version + 1, "
                                   "changed_epoch = changed_epoch + 1 WHERE id = 1"))
    assert reader.read() == first
    now[0] += write_signal.READ_AT_LEAST_EVERY
    assert reader.read() == (first[0] + 1, first[1] + 1)


def test_without_a_usable_signal_every_read_goes_to_the_database(app, tmp_path, reads):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    reader = _reader(app)
    reader.signal = WriteSignal(Path(blocker) / "content")
    assert reader.signal.word() is None
    for _ in range(3):
        assert reader.read() is not None
    assert len(reads) == 3


def test_an_sqlite_database_keeps_its_signal_beside_it(app):
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL's signal is under the instance folder")
    assert _signal(app).path == Path(f"{Path(url.database).resolve()}-portal-signal")
