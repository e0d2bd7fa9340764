"""The dashboard's fragments are computed by one worker and read by the host's others,
never served for another version or past the instant they stop being exact, and computed
once when several workers ask at the same moment."""

import threading
import time
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from portal import create_app
from portal.extensions import db
from portal.inspection import dashboard, fragments, lists, supervision
from portal.inspection.shared import SharedSnapshots, for_app
from tests.inspection.test_fragments import _parts, served_and_fresh

NOW = datetime(2026, 4, 10, 2, tzinfo=UTC)


def _same_browser(app, client):
    """A client of `app` carrying `client`'s cookies: the same person, another worker."""
    other = app.test_client()
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def _refuse(*_args, **_kwargs):
    raise AssertionError("computed again in the second worker")


def test_a_second_worker_shows_what_the_first_computed(app, app_config, client, login,
                                                       inspector, year_of_work, submit,
                                                       monkeypatch):
    other = create_app(app_config)  # another worker of the same host and database
    login(inspector)
    first = _parts(client.get("/inspect/?year=2026").get_data(as_text=True))
    assert "受理件数" in first["figures"]
    for module, name in ((dashboard, "figures_until"), (lists, "late_disclosures"),
                         (lists, "village_lapses"), (fragments, "late_decision_list"),
                         (supervision, "notices_in")):
        monkeypatch.setattr(module, name, _refuse)
    db.session.commit()  # this worker's request is over
    other_client = _same_browser(other, client)
    assert _parts(other_client.get("/inspect/?year=2026").get_data(as_text=True)) == first

    monkeypatch.undo()
    submit(title="E")  # the version moves: the second worker must not show the old file
    shown = _parts(other_client.get("/inspect/?year=2026").get_data(as_text=True))
    served, fresh = served_and_fresh(client)
    assert shown == served == fresh and shown["figures"] != first["figures"]


def test_a_file_is_served_only_for_its_version_and_while_it_holds(tmp_path):
    shared = SharedSnapshots(tmp_path)
    shared.put(("board", 2026), 7, NOW, NOW + timedelta(hours=1), Markup("<p>12 件</p>"))
    value, computed_at, valid_until = shared.get(("board", 2026), 7, NOW + timedelta(minutes=5))
    assert value == "<p>12 件</p>" and isinstance(value, Markup)
    assert (computed_at, valid_until) == (NOW, NOW + timedelta(hours=1))
    assert shared.get(("board", 2026), 8, NOW) is None  # a change was committed since
    assert shared.get(("board", 2026), 7, NOW + timedelta(hours=1)) is None  # a deadline passed
    assert shared.get(("board", 2026), 7, NOW - timedelta(seconds=1)) is None  # clock behind
    assert shared.get(("board", 2025), 7, NOW) is None

    shared.put(("late",), (3, 9), NOW, NOW + timedelta(hours=1), "plain")
    assert shared.get(("late",), (3, 9), NOW)[0] == "plain"
    assert not isinstance(shared.get(("late",), (3, 9), NOW)[0], Markup)


def test_a_damaged_file_is_a_miss(tmp_path):
    shared = SharedSnapshots(tmp_path)
    shared.put(("board",), 1, NOW, NOW + timedelta(hours=1), "x")
    (file,) = [f for f in tmp_path.iterdir() if not f.name.endswith(".lock")]
    file.write_bytes(b'{"key": "("\n')
    assert shared.get(("board",), 1, NOW) is None


def test_workers_asking_at_once_compute_once(tmp_path):
    shared = SharedSnapshots(tmp_path)
    computed = []

    def worker():
        if shared.get(("board",), 1, NOW) is not None:
            return
        with shared.computing(("board",)):
            if shared.get(("board",), 1, NOW) is None:
                computed.append(1)
                time.sleep(0.2)
                shared.put(("board",), 1, NOW, NOW + timedelta(hours=1), "figures")

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert computed == [1]


def test_starting_the_portal_forgets_older_files(app_config):
    app = create_app(app_config)
    shared = app.extensions["dashboard_snapshots"].shared
    shared.put(("board",), 1, NOW, NOW + timedelta(hours=1), "figures")
    restarted = create_app(app_config)  # a restored database may reach version 1 again
    assert restarted.extensions["dashboard_snapshots"].shared.get(("board",), 1, NOW) is None
    assert for_app(create_app({**app_config, "PAGE_CACHE_SHARED": False})) is None
