"""Fixtures for consultations: staff of 双塔镇 and 花园乡, a controllable clock (Beijing
time), and a consultation open from 2026-12-01 to 2026-12-15."""

from datetime import date

import pytest

from portal.auth.models import Role
from portal.consultations import participation, services
from portal.inquiries import tracking
from tests.inquiries.timetravel import TimeMachine, beijing, cheap_password_hashing

OPENS = date(2026, 12, 1)
CLOSES = date(2026, 12, 15)


@pytest.fixture(autouse=True)
def _fast_users(monkeypatch):
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def travel(app, monkeypatch):
    """The clock starts at 10:00 Beijing on 2026-11-20, before the window."""
    return TimeMachine(monkeypatch, beijing(date(2026, 11, 20)))


@pytest.fixture
def staff(orgs, make_user):
    return {
        "editor": make_user("editor", (Role.EDITOR, orgs["town"])),
        "reviewer": make_user("reviewer", (Role.REVIEWER, orgs["town"])),
        "other_reviewer": make_user("other_reviewer", (Role.REVIEWER, orgs["other_town"])),
        "other_editor": make_user("other_editor", (Role.EDITOR, orgs["other_town"])),
        "inspector": make_user("inspector", (Role.INSPECTOR, orgs["town"])),
    }


@pytest.fixture
def consultation_input(orgs):
    def build(**changes) -> services.ConsultationInput:
        fields = dict(
            organization=orgs["town"],
            title="关于《双塔镇农村人居环境整治实施方案（征求意见稿）》公开征求意见的公告",
            draft_html="<p>第一条 为改善农村人居环境，制定本方案。</p>",
            opens_on=OPENS, closes_on=CLOSES,
            summary="方案涉及全镇 4 个村的垃圾收运和厕所改造。",
            how_to_participate="书面意见请寄至双塔镇党政办公室（邮编 476800）。",
            short_window_reason="须在年度财政预算安排前完成决策。")
        fields.update(changes)
        return services.ConsultationInput(**fields)

    return build


@pytest.fixture
def published_consultation(travel, staff, consultation_input):
    """publish(**changes) → a consultation drafted by the editor, published by the reviewer."""

    def run(**changes):
        draft = services.create_draft(staff["editor"], consultation_input(**changes))
        return services.publish(staff["reviewer"], draft.id)

    return run


@pytest.fixture
def comment():
    """comment(consultation, body=..., name=..., contact=...) → the stored comment."""

    def run(consultation, body="建议垃圾收运每周至少两次。", name="", contact="", token=None):
        receipt = participation.submit_comment(
            consultation.id, participation.CommentInput(body=body, name=name, contact=contact),
            token or tracking.new_submission_token("comment"))
        return receipt.comment

    return run
