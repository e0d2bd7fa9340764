"""`python -m bench.seed` at the tiny size: the pages people and inspectors use work on the
seeded county, search finds seeded documents, deadlines and index entries are what the
application itself would have written, and the audit chain still verifies."""

from __future__ import annotations

import base64
import hmac
import struct
import time

import pytest
import sqlalchemy as sa

from bench.seed.cli import bench_seed_command
from portal.auth.models import User
from portal.disclosures.models import Disclosure, Status
from portal.extensions import db
from portal.inquiries import clocks, submission, tracking
from portal.inquiries.models import Inquiry, InquiryType
from portal.inquiries.models import Status as InquiryStatus
from portal.organizations.models import Organization, OrgKind
from portal.sanitize import html_to_text
from portal.search.backends import PostgresBackend
from portal.search.documents import entry_for
from portal.search.models import FTS_TABLE, VECTOR_TABLE, SearchDocument
from portal.search.tokens import index_text
from portal.villages.models import VillageNotice

PASSWORD = "Seed-Test-2026!"


@pytest.fixture
def seeded(app, runner):
    result = runner.invoke(bench_seed_command, args=["--size", "tiny", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    return result


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits), as an authenticator app shows it."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in(client, username: str) -> None:
    """Through the login form, answering the second-factor step if the portal asks."""
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    if "/login/verify" in response.headers["Location"]:
        secret = db.session.scalar(sa.select(User).where(User.username == username)).totp_secret
        response = client.post("/login/verify", data={"code": totp(secret)})
        assert response.status_code in (302, 303)


def first_public_disclosure() -> Disclosure:
    return db.session.scalars(sa.select(Disclosure).where(Disclosure.status == Status.PUBLISHED)
                              .order_by(Disclosure.published_at.desc())).first()


def test_prints_the_accounts_and_their_password(seeded):
    for username in ("admin", "editor", "reviewer", "handler", "inspector", "handler01"):
        assert f"  {username} " in seeded.output
    assert PASSWORD in seeded.output


def test_public_pages_show_seeded_documents(client, seeded):
    newest = first_public_disclosure()
    assert newest.title in client.get("/").get_data(as_text=True)
    listing = client.get("/disclosures/?page=2")
    assert listing.status_code == 200
    page = client.get(f"/disclosures/{newest.id}").get_data(as_text=True)
    assert newest.index_number in page and newest.index_number.startswith(
        newest.organization.index_code + "/")
    village = db.session.scalars(sa.select(Organization).where(
        Organization.kind == OrgKind.VILLAGE)).first()
    notice = db.session.scalars(sa.select(VillageNotice).where(
        VillageNotice.village_id == village.id).order_by(VillageNotice.published_at.desc())
    ).first()
    board = client.get(f"/villages/{village.slug}/")
    assert board.status_code == 200 and notice.title in board.get_data(as_text=True)


def test_search_finds_a_seeded_title(client, seeded):
    disclosure = first_public_disclosure()
    page = client.get("/search", query_string={"q": disclosure.title})
    assert f'href="/disclosures/{disclosure.id}"' in page.get_data(as_text=True)


def stored_tokens_match(doc_id: int, title: str, body: str) -> bool:
    """The engine's index holds exactly these tokens for the document."""
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(sa.text(
            f"SELECT vector = ({PostgresBackend._VECTOR}) FROM {VECTOR_TABLE} "
            "WHERE document_id = :id"),
            {"id": doc_id, "title": title, "body": body, "attachments": ""})
    stored = db.session.execute(sa.text(
        f"SELECT title, body FROM {FTS_TABLE} WHERE rowid = :id"), {"id": doc_id}).one()
    return (stored.title, stored.body) == (title, body)


def test_index_entries_match_what_the_application_writes(app, seeded):
    for disclosure in db.session.scalars(sa.select(Disclosure).where(
            Disclosure.status == Status.PUBLISHED).limit(20)):
        entry = entry_for(disclosure)
        row = db.session.execute(sa.select(SearchDocument).where(
            SearchDocument.kind == "disclosure", SearchDocument.ref_id == disclosure.id)
        ).scalar_one()
        assert html_to_text(disclosure.body_html) in row.body
        assert row.body == entry.body and row.title == entry.title
        assert stored_tokens_match(row.id, index_text(entry.title), index_text(entry.body))
    replies = db.session.scalars(sa.select(Inquiry).where(Inquiry.reply_published.is_(True)))
    for inquiry in replies:
        row = db.session.scalars(sa.select(SearchDocument).where(
            SearchDocument.kind == "reply", SearchDocument.ref_id == inquiry.id)).one()
        assert row.body == entry_for(inquiry).body
    withdrawn = db.session.scalars(sa.select(Disclosure.id).where(
        Disclosure.status != Status.PUBLISHED)).all()
    assert not db.session.scalars(sa.select(SearchDocument).where(
        SearchDocument.kind == "disclosure", SearchDocument.ref_id.in_(withdrawn))).all()
    from portal.database import is_postgresql

    if is_postgresql():  # each vector carries its document's filter values, as write() does
        differing = db.session.execute(sa.text(
            "SELECT count(*) FROM search_documents d LEFT JOIN search_vectors v "
            "ON v.document_id = d.id WHERE v.document_id IS NULL OR "
            "(v.kind, v.category, v.year, v.organization_id, COALESCE(v.village_id, 0)) "
            "<> (d.kind, d.category, d.year, d.organization_id, COALESCE(d.village_id, 0))"
        )).scalar_one()
        assert differing == 0


def test_deadlines_are_the_ones_the_clocks_compute(app, seeded):
    running = db.session.scalars(sa.select(Inquiry).where(
        Inquiry.type != InquiryType.OPINION, Inquiry.paused_since.is_(None)).limit(40)).all()
    paused = db.session.scalars(sa.select(Inquiry).where(
        Inquiry.type != InquiryType.OPINION, Inquiry.paused_since.is_not(None))).all()
    assert paused  # waiting on the resident or, now and then, consulting
    inquiries = running + paused
    expected = [(i.sign_due_at, i.reply_due_at, i.correction_request_due_at) for i in inquiries]
    for inquiry in inquiries:
        clocks.refresh(inquiry)
    assert [(i.sign_due_at, i.reply_due_at, i.correction_request_due_at)
            for i in inquiries] == expected
    db.session.rollback()
    states = set(db.session.scalars(sa.select(Inquiry.status).distinct()))
    assert {InquiryStatus.RECEIVED, InquiryStatus.CLOSED, InquiryStatus.REPLIED} <= states


def test_a_new_inquiry_continues_the_number_series(app, seeded):
    town = db.session.scalars(sa.select(Organization).where(
        Organization.kind == OrgKind.TOWN)).first()
    receipt = submission.submit(submission.InquiryInput(
        type=InquiryType.CONSULT, title="压测之后的新留言", body="请问办事时间？",
        contact_name="张先生", contact_phone="13800000000", organization=town),
        tracking.new_submission_token())
    numbers = db.session.scalars(sa.select(Inquiry.number).where(
        Inquiry.number.startswith(receipt.inquiry.number[:5]))).all()
    assert receipt.inquiry.number == max(numbers) and len(set(numbers)) == len(numbers)


def test_inspector_pages_work_on_the_seeded_county(client, seeded):
    sign_in(client, "inspector")
    dashboard = client.get("/inspect/")
    assert dashboard.status_code == 200
    year = time.gmtime().tm_year
    report = client.get(f"/inspect/annual-report/{year}?org=qinghe")
    assert report.status_code == 200


def test_audit_chain_verifies_and_records_the_seed(runner, seeded):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    actions = db.session.scalars(sa.text("SELECT action FROM audit_events")).all()
    assert actions == ["bench.seed"]


def test_refuses_a_database_with_data_unless_forced(runner, seeded):
    refused = runner.invoke(bench_seed_command, args=["--size", "tiny"])
    assert refused.exit_code != 0 and "--force" in refused.output
    forced = runner.invoke(bench_seed_command, args=["--size", "tiny", "--scale", "0.5", "--force",
                                 "--password", PASSWORD])
    assert forced.exit_code == 0, forced.output
    assert "admin-2" in forced.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization).where(
        Organization.kind == OrgKind.COUNTY)) == 2
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_a_weak_password_is_refused(runner, app):
    result = runner.invoke(bench_seed_command, args=["--size", "tiny", "--password", "short"])
    assert result.exit_code != 0 and "密码" in result.output


def test_the_inspectors_kept_figures_cover_the_seeded_work_orders(seeded, runner):
    """The bulk load bypasses the session; the seed rebuilds the totals after it, so the
    inspector sees every seeded work order, as a fresh count does."""
    from portal.inspection import dashboard
    from portal.inspection.cli import check_command
    from portal.timeutil import local_today, utcnow

    county = db.session.scalar(sa.select(Organization.path).where(
        Organization.parent_id.is_(None)))
    kept = dashboard.compute([county], local_today().year, utcnow())[0]
    assert kept.total.total > 0
    assert kept == dashboard.reference([county], local_today().year, utcnow())[0]
    assert runner.invoke(check_command).exit_code == 0
