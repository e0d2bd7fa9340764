"""Pages one worker rendered serve the others (files under the instance folder), and
never once the content version has moved on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.disclosures import services
from portal.extensions import db
from portal.pagecache import version
from portal.pagecache.lineage import Lineage
from portal.pagecache.shared import SharedPages
from portal.pagecache.store import Entry
from tests.pagecache.querycount import counting_queries


def test_a_page_rendered_by_one_worker_serves_another(app, app_config, client, published,
                                                      staff):
    doc = published(title="第三批低保名单")
    path = f"/disclosures/{doc.id}"
    assert client.get(path).status_code == 200  # rendered here, written for the others
    other = create_app(app_config)
    other_client = other.test_client()
    with other.app_context():
        other_client.get("/")  # the other worker has served something before
        with counting_queries() as statements:
            page = other_client.get(path)
        assert page.status_code == 200 and "第三批低保名单" in page.get_data(as_text=True)
        assert statements == []  # not rendered again
        db.engine.dispose()

    services.withdraw(staff["reviewer"], doc.id, "名单有误")
    with other.app_context():
        assert other_client.get(path).status_code == 404
        db.engine.dispose()


def _state(connection) -> tuple[dict, dict]:
    """What a backup would bring back: the content version row and every tag's version."""
    versions = dict(connection.execute(sa.text(
        "SELECT id, version || ' ' || changed_epoch FROM content_versions")).all())
    tags = dict(connection.execute(sa.text("SELECT tag, version FROM content_tags")).all())
    return versions, tags


def _restore(connection, state: tuple[dict, dict]) -> None:
    versions, tags = state
    for row_id, value in versions.items():
        version, changed = map(int, value.split())
        connection.execute(sa.text("UPDATE content_versions SET version = :v, changed_epoch = :c "
                                   "WHERE id = :id"), {"v": version, "c": changed, "id": row_id})
    connection.execute(sa.text("DELETE FROM content_tags"))
    for tag, version in tags.items():
        connection.execute(sa.text("INSERT INTO content_tags (tag, version) VALUES (:t, :v)"),
                           {"t": tag, "v": version})


@pytest.mark.parametrize("first", ["running", "restarted"])
def test_pages_kept_for_a_database_replaced_by_an_older_copy_are_never_served(
        app, app_config, client, published, staff, monkeypatch, first):
    """A backup restored by other means than `flask restore` (or a database made afresh at
    the same address) starts its versions over: the pages and files kept for the one it
    replaced must not pass as current when its versions reach the same numbers."""
    doc = published(title="第四批低保名单")
    path = f"/disclosures/{doc.id}"
    backup = _state(db.session.connection())
    db.session.commit()
    # After the backup: the document's page changes twice (its tag and the version move),
    # and both workers keep the page rendered then.
    for _ in range(2):
        version.bump_tags(db.session.connection(), [f"doc:{doc.id}"])
        db.session.commit()
    assert client.get(path).status_code == 200
    other = create_app(app_config)
    with other.app_context():
        assert other.test_client().get(path).status_code == 200
        db.engine.dispose()

    _restore(db.session.connection(), backup)  # the older copy comes back …
    db.session.commit()
    later = version.now_epoch() + 60
    monkeypatch.setattr(version, "now_epoch", lambda: later)
    services.withdraw(staff["reviewer"], doc.id, "名单有误")  # … and the document is withdrawn
    version.bump_tags(db.session.connection(), [f"doc:{doc.id}"])  # its tag back where it was
    db.session.commit()

    running = client.get  # the worker that keeps the page in memory
    restarted = create_app(app_config)  # a worker started afterwards, reading the files
    with restarted.app_context():
        order = [running, restarted.test_client().get]
        if first == "restarted":  # the first to read the replaced database knows only
            order.reverse()       # the files and the furthest state any worker had seen
        assert [get(path).status_code for get in order] == [404, 404]
        db.engine.dispose()


def test_only_a_state_that_cannot_belong_to_the_same_history_drops_the_kept_pages(tmp_path):
    dropped = []
    watch = Lineage(tmp_path / "pages", [lambda: dropped.append(True)])
    watch.see((10, 1000))
    watch.see((9, 990))  # another thread's read from a moment before: nothing happens
    watch.see((12, 1003))
    assert dropped == []
    started_later = Lineage(tmp_path / "pages", [lambda: dropped.append(True)])
    started_later.see((12, 1003))  # the furthest state seen is kept in the folder
    started_later.see((11, 1500))  # a restored copy's first change: a seen version, later
    assert dropped == [True]
    watch.see((12, 1500))  # the same version at another moment
    assert dropped == [True, True]


def _entry(body: bytes) -> Entry:
    return Entry(body, "text/html; charset=utf-8", '"e1"', (("Content-Type", "text/html"),),
                 (("doc:1", 3),), 7)


def test_a_page_file_reads_back_whole_however_long(tmp_path):
    pages, key = SharedPages(tmp_path), ("http", "localhost", "/disclosures/1", "", False)
    for size in (0, 10, 65_535, 65_536, 65_537, 300_000):
        body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        pages.put(key, "2026-12-05", _entry(body))
        assert pages.get(key, "2026-12-05") == _entry(body)


@pytest.mark.parametrize("damage", ["cut short", "another layout", "not json", "no line"])
def test_a_damaged_page_file_is_a_miss_never_an_error(tmp_path, damage):
    pages, key = SharedPages(tmp_path), ("http", "localhost", "/disclosures/1", "", False)
    pages.put(key, "2026-12-05", _entry(b"<p>page</p>"))
    [path] = (tmp_path / "2026-12-05").iterdir()
    raw = path.read_bytes()
    path.write_bytes({"cut short": raw[:40],
                      "another layout": b'{"key": ' + raw.split(b'"key": ')[1].split(b"]")[0]
                                        + b"]}\n<p>page</p>",
                      "not json": b"\xff\xfe\n<p>page</p>",
                      "no line": b'["a list"]'}[damage])
    assert pages.get(key, "2026-12-05") is None
