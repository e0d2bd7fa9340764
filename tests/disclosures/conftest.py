from datetime import timedelta

import pytest

from portal.auth.models import Role
from portal.disclosures import services
from portal.disclosures.models import Category
from portal.timeutil import local_today
from tests.attachments.conftest import upload_folder  # noqa: F401 (a fixture)


@pytest.fixture
def staff(orgs, make_user):
    """An editor and two reviewers in 双塔镇, an editor of 花园乡, an admin of the county."""
    return {
        "editor": make_user("editor", (Role.EDITOR, orgs["town"])),
        "reviewer": make_user("reviewer", (Role.REVIEWER, orgs["town"])),
        "reviewer2": make_user("reviewer2", (Role.REVIEWER, orgs["town"])),
        "other_editor": make_user("other_editor", (Role.EDITOR, orgs["other_town"])),
        "admin": make_user("admin", (Role.ADMIN, orgs["county"])),
        "editor_reviewer": make_user("both", (Role.EDITOR, orgs["town"]),
                                     (Role.REVIEWER, orgs["town"])),
    }


@pytest.fixture
def draft_input(orgs):
    def build(**changes) -> services.DisclosureInput:
        fields = dict(organization=orgs["town"], category=Category.RESULT,
                      title="双塔镇2026年度法治政府建设情况报告",
                      body_html="<p>一、主要举措和成效</p><p>深化政务公开体系建设。</p>",
                      formed_on=local_today() - timedelta(days=3), doc_number="双政〔2026〕7号",
                      keywords="法治政府 年度报告")
        fields.update(changes)
        return services.DisclosureInput(**fields)

    return build


@pytest.fixture
def published(staff, draft_input):
    """publish(**changes) → a disclosure taken through draft, review and publication."""

    def run(**changes):
        draft = services.create_draft(staff["editor"], draft_input(**changes))
        services.submit(staff["editor"], draft.id)
        services.approve(staff["reviewer"], draft.id)
        return services.publish(staff["editor"], draft.id)

    return run


@pytest.fixture
def published_then_drafts(app, published, staff, draft_input):
    """3,001 published documents and, made after them, 3,001 drafts (no date yet), as a
    county has both; the statistics analysed (`tests.query_plans.grow`)."""
    from portal.disclosures.models import Disclosure
    from tests.query_plans import grow

    grow(Disclosure.__table__, published().id, {"index_number"})
    draft = services.create_draft(staff["editor"], draft_input(title="尚未发布的草稿"))
    grow(Disclosure.__table__, draft.id, set())
