"""A year's count read back from the file the host's workers share is the count itself,
and a second worker shows the report from it without counting again."""

from datetime import date

from portal import create_app
from portal.annual_report import appeals, assembly, count_codec
from portal.extensions import db
from tests.annual_report.test_appeals import case
from tests.annual_report.test_fees import _with_fees
from tests.inspection.test_shared_snapshots import _same_browser

URL = "/inspect/annual-report/2026"


def test_every_field_comes_back_as_it_was(year_2026, applications, staff, orgs, travel):
    _with_fees(applications, staff, travel)
    appeals.record_appeal(staff["handler"], case(result="upheld", decided_on=date(2026, 7, 1)))
    appeals.record_appeal(staff["handler"], case())
    town = assembly._count(orgs["town"], 2026)
    assert town.applications.placements and town.appeals.cases and town.fees.notices == 3
    for count in (town, assembly._count(orgs["county"], 2026)):
        assert count_codec.loads(count_codec.dumps(count)) == count


def test_a_second_worker_shows_the_report_without_counting(year_2026, app_config, staff,
                                                           client, login, monkeypatch):
    other = create_app(app_config)  # another worker of the same host and database
    login(staff["inspector"])
    first = client.get(URL).get_data(as_text=True)
    db.session.commit()  # this worker's request is over

    monkeypatch.setattr(assembly, "_count", _refuse)
    monkeypatch.setattr(count_codec.PackedPlacements, "_decoded", _refuse)  # the page needs none
    second = _same_browser(other, client).get(URL)
    assert second.status_code == 200
    html = second.get_data(as_text=True)
    assert "勾稽关系校验" in html and html.count("<caption>") == 3
    for page in (first, html):  # the generated-at instant differs; the figures do not
        assert '<th scope="row" colspan="3">一、本年新收政府信息公开申请数量</th>' in page
    assert _tables(first) == _tables(html)


def _tables(page: str) -> str:
    start = page.index("三、收到和处理政府信息公开申请情况")
    return page[start:page.index("五、存在的主要问题及改进情况")]


def test_a_count_that_fails_its_check_keeps_its_mismatches():
    from decimal import Decimal

    from portal.annual_report.fees import FeeFigures
    from portal.annual_report.figures import (
        AppealFact,
        AppealTable,
        ApplicationTable,
        BalanceCheck,
        Mismatch,
        Placement,
    )
    from portal.annual_report.models import AppealKind, AppealResult

    count = assembly.Count(
        ApplicationTable({"new": {"citizen": 2, "total": 2}}, ["2026-000007"],
                         (Placement("2026-000009", "citizen", "new", "grant"),
                          Placement("2026-000007", "citizen", "new", ""))),
        BalanceCheck((Mismatch("citizen", 2, 1),)),
        AppealTable({kind: {result: 0 for result in AppealResult} for kind in AppealKind},
                    (AppealFact(AppealKind.REVIEW, AppealResult.PENDING, 3, "登记号 3"),)),
        carried_in_from=2025, missed=("2025-000101",),
        fees=FeeFigures(1, Decimal("10.00"), 1, Decimal("10.00"), 0))
    assert count_codec.loads(count_codec.dumps(count)) == count


def test_a_worker_reading_the_shared_count_freezes_and_reconciles_the_same_ledger(
        year_2026, app_config, staff, orgs, travel, monkeypatch):
    from portal.annual_report import freezing, services
    from portal.auth.models import User
    from portal.organizations.models import Organization
    from tests.annual_report.test_freezing import TEXT

    reviewer_id, inspector_id = staff["reviewer"].id, staff["inspector"].id
    town_id = orgs["town"].id
    other = create_app(app_config)  # another worker of the same host and database
    travel.to(date(2027, 1, 18))
    services.save_report(staff["reviewer"], 2026, None, TEXT)
    computed = assembly.count(orgs["town"], 2026)  # this worker counts; the file is written
    expected = sorted([p.number, p.column, p.intake, p.settle]
                      for p in computed.applications.placements)
    # The counting worker keeps the count as the others read it: compact, not as objects.
    assert isinstance(computed.applications.placements, count_codec.PackedPlacements)
    db.session.commit()
    monkeypatch.setattr(assembly, "_count", _refuse)
    with other.app_context():
        shared = assembly.count(db.session.get(Organization, town_id), 2026)
        assert isinstance(shared.applications.placements, count_codec.PackedPlacements)
        record = freezing.finalize(db.session.get(User, reviewer_id), 2026)
        assert sorted(record.frozen["applications"]["ledger"]) == expected
        assert len(expected) == 25 + 4
    monkeypatch.undo()
    travel.to(date(2027, 1, 19))
    assembly.count(db.session.get(Organization, town_id), 2026)  # again after the 定稿
    db.session.commit()
    monkeypatch.setattr(assembly, "_count", _refuse)
    with other.app_context():
        report = services.get_report(db.session.get(User, inspector_id), 2026)
        assert report.is_frozen and report.reconciliation.matches


def _count_with(placements):
    from decimal import Decimal

    from portal.annual_report.fees import FeeFigures
    from portal.annual_report.figures import AppealTable, ApplicationTable, BalanceCheck

    return assembly.Count(ApplicationTable({}, [], placements), BalanceCheck(()),
                          AppealTable({}, ()), carried_in_from=None, missed=(),
                          fees=FeeFigures(0, Decimal("0"), 0, Decimal("0"), 0))


def test_packed_placements_read_back_as_the_placements():
    from portal.annual_report.figures import Placement

    placements = (Placement("2026-000009", "citizen", "new", "grant"),
                  Placement("2026-000007", "legal_person", "carried_in", ""))
    packed = count_codec.loads(count_codec.dumps(_count_with(placements))).applications.placements
    assert isinstance(packed, count_codec.PackedPlacements)
    assert tuple(packed) == placements and packed == placements and placements == packed
    assert len(packed) == 2 and packed[1] == placements[1] and packed
    assert not count_codec.PackedPlacements.pack(())
    assert packed != placements[:1]


def test_a_county_of_applications_is_shared_compressed():
    """Every worker that shows the report reads the shared count and keeps it: a
    county's tens of thousands of placements travel and stay compressed."""
    import json

    from portal.annual_report.figures import Placement

    placements = tuple(Placement(f"2026-{n:06d}", ("citizen", "legal_person")[n % 7 == 0],
                                 ("new", "carried_in")[n % 11 == 0], ("grant", "")[n % 3 == 0])
                       for n in range(20_000))
    text = count_codec.dumps(_count_with(placements))
    plain = json.dumps([[p.number, p.column, p.intake, p.settle] for p in placements])
    assert len(text) < len(plain) / 4
    packed = count_codec.loads(text).applications.placements
    assert packed.stored_bytes < len(plain) / 4
    assert tuple(packed) == placements


def _refuse(*_args, **_kwargs):
    raise AssertionError("counted (or decoded) again in the second worker")
