"""Locks every writer shares are taken when a flush writes its first row, not while it
works out its statements (`portal.first_write`): a resident's submission holds the 受理编号
series, the version rows and, on SQLite, the write lock for less time, and every other
submission waits that much less."""

import pytest
from sqlalchemy import event, select

from portal import first_write
from portal.database import is_postgresql
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.inspection import snapshot
from portal.organizations.models import Organization, OrgKind
from portal.pagecache.models import SINGLETON_ID, ContentVersion

SHARED_LOCKS = ("BEGIN IMMEDIATE", "UPDATE inquiry_sequences", "UPDATE content_versions")


@pytest.fixture
def statements(app):
    """Each statement the engine runs, with whether the session was then flushing."""
    seen: list[tuple[str, bool]] = []

    def note(_conn, _cursor, statement, _params, _context, _executemany):
        seen.append((" ".join(statement.split()), db.session()._flushing))

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def _versions() -> dict[int, int]:
    db.session.rollback()
    return dict(db.session.execute(select(ContentVersion.id, ContentVersion.version)).all())


def test_a_submission_takes_the_shared_locks_inside_its_flush(submit, statements):
    receipt = submit()
    shared = [(sql, flushing) for sql, flushing in statements if sql.startswith(SHARED_LOCKS)]
    assert {sql.split(" SET")[0] for sql, _ in shared} >= {
        "UPDATE inquiry_sequences", "UPDATE content_versions"}
    assert all(flushing for _sql, flushing in shared), shared
    # and before the rows they stand for: the work order and its timeline
    order = [sql for sql, _ in statements]
    first_insert = next(i for i, sql in enumerate(order) if sql.startswith("INSERT INTO inquiries"))
    assert all(order.index(sql) < first_insert for sql, _ in shared)
    inquiry = db.session.get(Inquiry, receipt.inquiry.id)
    assert inquiry.number == receipt.inquiry.number and inquiry.number.endswith("000001")
    received = f"已受理（受理编号 {inquiry.number}），交双塔镇办理。"
    assert inquiry.events[0].message.startswith(received)


def test_numbers_stay_gap_free_across_submissions(submit):
    numbers = [submit(title=f"第 {n} 件留言的标题").inquiry.number for n in range(1, 4)]
    assert [number.split("-")[1] for number in numbers] == ["000001", "000002", "000003"]


def test_the_version_moves_with_a_flush_that_writes_its_rows(app, orgs):
    before = _versions()
    db.session.add(Organization(name="新建村", slug="xinjian", kind=OrgKind.VILLAGE,
                                parent=orgs["town"], path=f"{orgs['town'].path}new/"))
    db.session.commit()
    after = _versions()
    assert after[SINGLETON_ID] == before[SINGLETON_ID] + 1  # the public pages
    assert after[snapshot.WORK_ORDERS_ID] == before.get(snapshot.WORK_ORDERS_ID, 0) + 1


def test_deferred_work_runs_once_in_order_before_the_first_row(app, orgs, statements):
    ran: list[str] = []
    first_write.defer(db.session(), lambda connection: ran.append("first"))
    first_write.defer(db.session(), lambda connection: ran.append(
        f"second {db.session()._flushing}"))
    assert ran == []
    orgs["village_a"].name = "双塔村（新）"
    db.session.flush()
    assert ran == ["first", "second True"]
    db.session.flush()  # nothing left to run
    assert ran == ["first", "second True"]
    db.session.rollback()


def test_work_of_a_flush_that_writes_nothing_runs_at_its_end(app, orgs):
    ran: list[bool] = []
    first_write.defer(db.session(), lambda connection: ran.append(db.session()._flushing))
    orgs["village_a"].name = orgs["village_a"].name  # marked, but no change to write
    db.session.flush()
    assert ran == [True]
    db.session.rollback()


def test_work_of_a_rolled_back_transaction_is_dropped(app, orgs):
    ran: list[str] = []
    first_write.defer(db.session(), lambda connection: ran.append("dropped"))
    db.session.rollback()
    orgs["village_a"].name = "双塔村（新）"
    db.session.flush()
    assert ran == []
    db.session.rollback()


def test_work_waits_through_a_savepoint_that_writes_nothing(app, orgs):
    ran: list[str] = []
    first_write.defer(db.session(), lambda connection: ran.append("kept"))
    with db.session.begin_nested():
        pass
    orgs["village_a"].name = "双塔村（新）"
    db.session.flush()
    assert ran == ["kept"]
    db.session.rollback()


def test_postgresql_reads_whether_totals_are_built_before_the_number(app, submit, statements):
    if not is_postgresql():
        pytest.skip("on SQLite the read would take the write lock early")
    submit()
    order = [sql.split(" WHERE")[0] for sql, _ in statements]
    built = order.index("SELECT inquiry_figure_state.built FROM inquiry_figure_state")
    assert built < next(i for i, sql in enumerate(order)
                        if sql.startswith("UPDATE inquiry_sequences"))
    assert order.count("SELECT inquiry_figure_state.built FROM inquiry_figure_state") == 1


def test_a_submission_moves_both_of_its_open_counts_in_one_statement(submit, statements):
    submit()
    submit(title="第二件留言：同一天、同一类型")  # its rows exist now: moved, not inserted
    moves = [sql for sql, _ in statements if sql.startswith("UPDATE inquiry_open_counts")]
    inserts = [sql for sql, _ in statements if sql.startswith("INSERT INTO inquiry_open_counts")]
    assert (len(moves), len(inserts)) == (2, 2)
