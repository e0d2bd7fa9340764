"""Fixtures for the catalogue: staff, a clock, and disclosures filed under entries."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.catalogue.models import CatalogueEntry
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.extensions import db
from portal.timeutil import local_today
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    return TimeMachine(monkeypatch, beijing(date(2026, 3, 10)))


@pytest.fixture
def staff(orgs, make_user):
    return {
        "editor": make_user("editor", (Role.EDITOR, orgs["town"])),
        "reviewer": make_user("reviewer", (Role.REVIEWER, orgs["town"])),
        "other_editor": make_user("other_editor", (Role.EDITOR, orgs["other_town"])),
        "other_reviewer": make_user("other_reviewer", (Role.REVIEWER, orgs["other_town"])),
        "admin": make_user("admin", (Role.ADMIN, orgs["county"])),
        "town_admin": make_user("town_admin", (Role.ADMIN, orgs["town"])),
    }


def entry_named(level2: str) -> CatalogueEntry:
    return db.session.scalar(select(CatalogueEntry).where(CatalogueEntry.level2 == level2))


@pytest.fixture
def file_under(staff, orgs):
    """file_under(entry, title=..., organization=...) → a published disclosure in the entry."""

    def publish(entry, title="双塔镇2026年第一季度财政收支情况", organization=None):
        town = organization or orgs["town"]
        editor, reviewer = ((staff["editor"], staff["reviewer"]) if town is orgs["town"]
                            else (staff["other_editor"], staff["other_reviewer"]))
        draft = disclosures.create_draft(editor, disclosures.DisclosureInput(
            organization=town, category=Category.MANAGEMENT, title=title, body_html="正文",
            formed_on=local_today() - timedelta(days=1), catalogue_entry_id=entry.id))
        disclosures.submit(editor, draft.id)
        disclosures.approve(reviewer, draft.id)
        return disclosures.publish(editor, draft.id)

    return publish
