"""After a restart the inspector's first dashboard is read from what gunicorn's master
computed before forking, not computed while they wait."""

from flask import current_app

from portal.inspection import dashboard, fragments, lists, supervision
from portal.inspection.snapshot import SnapshotStore
from portal.inspection.warm import warm_dashboards


def _refuse(*_args, **_kwargs):
    raise AssertionError("computed while the inspector waited")


def test_the_first_dashboard_after_a_restart_is_ready(app, client, login, inspector,
                                                      year_of_work, monkeypatch):
    assert warm_dashboards(app) >= 1  # each inspector's and administrator's scope
    shared = current_app.extensions["dashboard_snapshots"].shared
    # A worker forked afterwards: nothing in its memory, the files on disk.
    current_app.extensions["dashboard_snapshots"] = SnapshotStore(shared=shared)
    for module, name in ((dashboard, "figures_until"), (lists, "late_disclosures"),
                         (lists, "village_lapses"), (fragments, "late_decision_list"),
                         (supervision, "notices_in")):
        monkeypatch.setattr(module, name, _refuse)
    login(inspector)
    page = client.get("/inspect/").get_data(as_text=True)
    assert "受理件数" in page and "村务未按期公开" in page


def test_without_shared_files_there_is_nothing_to_warm(app, inspector):
    current_app.extensions["dashboard_snapshots"] = SnapshotStore(shared=None)
    assert warm_dashboards(app) == 0
