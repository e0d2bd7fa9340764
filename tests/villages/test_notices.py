"""The village notice flow: clerk → supervision committee → town reviewer → board."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.errors import InvalidTransition, PermissionDenied, ValidationError
from portal.extensions import db
from portal.personal_data.texts import PersonalDataFound
from portal.villages import finance_store, services
from portal.villages.models import NoticeCategory, NoticeStatus, VillageNotice


def test_full_flow_publishes_with_every_step_audited(published_notice):
    notice = published_notice()
    assert notice.status is NoticeStatus.PUBLISHED and notice.published_at is not None
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "village_notices", AuditEvent.object_id == str(notice.id)))]
    assert actions == ["village_notice.create", "village_notice.submit",
                       "village_notice.sign_off", "village_notice.publish"]
    assert [v.snapshot["status"] for v in notice.versions] == [
        "draft", "awaiting_signoff", "awaiting_approval"]
    assert verify_chain().ok


def test_clerk_cannot_post_for_another_village(village_staff, notice_input, orgs):
    with pytest.raises(PermissionDenied):
        services.create_draft(village_staff["clerk_b"], notice_input(village=orgs["village_a"]))
    draft = services.create_draft(village_staff["clerk_a"], notice_input())
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.submit(village_staff["clerk_b"], draft.id)


def test_only_the_villages_committee_signs_off(village_staff, notice_input, orgs, make_user):
    from portal.auth.models import Role

    other_sup = make_user("sup_b", (Role.VILLAGE_SUPERVISOR, orgs["village_b"]))
    notice = services.create_draft(village_staff["clerk_a"], notice_input())
    services.submit(village_staff["clerk_a"], notice.id)
    with pytest.raises(PermissionDenied):
        services.sign_off(other_sup, notice.id)
    db.session.rollback()
    with pytest.raises(InvalidTransition):  # the town cannot approve before the committee
        services.approve(village_staff["reviewer"], notice.id)
    db.session.rollback()
    services.sign_off(village_staff["supervisor_a"], notice.id)
    with pytest.raises(InvalidTransition):
        services.sign_off(village_staff["supervisor_a"], notice.id)


def test_author_cannot_sign_off_their_own_notice(notice_input, orgs, make_user):
    from portal.auth.models import Role

    both = make_user("both", (Role.VILLAGE_CLERK, orgs["village_a"]),
                     (Role.VILLAGE_SUPERVISOR, orgs["village_a"]))
    notice = services.create_draft(both, notice_input())
    services.submit(both, notice.id)
    with pytest.raises(PermissionDenied, match="自己"):
        services.sign_off(both, notice.id)


def test_unmasked_personal_data_blocks_submission_with_places(village_staff, notice_input):
    body = "低保初审名单：张三，身份证号 41042119900101123X，电话 13812345678。"
    notice = services.create_draft(village_staff["clerk_a"], notice_input(
        category=NoticeCategory.RELIEF, body_html=body))
    with pytest.raises(PersonalDataFound) as blocked:
        services.submit(village_staff["clerk_a"], notice.id)
    places = blocked.value.places
    assert len(places) == 2
    assert any("身份证号" in p and "41042119900101123X" in p for p in places)
    assert any("手机号" in p and "13812345678" in p for p in places)
    db.session.rollback()
    assert db.session.get(VillageNotice, notice.id).status is NoticeStatus.DRAFT
    assert finance_store.mask_personal_data(village_staff["clerk_a"], notice.id) == 2
    notice = db.session.get(VillageNotice, notice.id)
    assert "410421********123X" in notice.body_html and "138****5678" in notice.body_html
    assert "张三" in notice.body_html  # names may be published; only numbers are masked
    services.submit(village_staff["clerk_a"], notice.id)
    assert notice.status is NoticeStatus.AWAITING_SIGNOFF
    assert any("41042119900101123X" in v.snapshot["body_html"] for v in notice.versions)


def test_relief_list_window_defaults_to_seven_working_days(village_staff, notice_input):
    notice = services.create_draft(village_staff["clerk_a"], notice_input(
        category=NoticeCategory.RELIEF, window_start=date(2026, 9, 28)))
    # 9-28, 9-29, 9-30, then National Day; 10-08, 10-09, 10-10 (make-up Saturday), 10-12.
    assert notice.window_end == date(2026, 10, 12)
    assert notice.window_state(date(2026, 10, 12)) == "公示中"
    assert notice.window_state(date(2026, 10, 13)) == "公示期满"
    assert notice.window_state(date(2026, 9, 27)) == "公示未开始"


@pytest.mark.parametrize("changes,message", [
    ({"title": ""}, "请填写标题"),
    ({"period_end": date(2026, 6, 1)}, "结束日期不能早于开始日期"),
    ({"is_major": True}, "重大事项请填写事项发生"),
    ({"window_start": date(2026, 9, 1)}, "公示期请同时填写"),
    ({"body_html": "<p>正文</p><script>x()</script>"}, "不安全内容"),
])
def test_bad_notice_input_is_refused(village_staff, notice_input, changes, message):
    with pytest.raises(ValidationError, match=message):
        services.create_draft(village_staff["clerk_a"], notice_input(**changes))


def test_withdrawn_notice_leaves_the_board_with_reason(published_notice, village_staff):
    notice = published_notice()
    with pytest.raises(PermissionDenied):
        services.withdraw(village_staff["clerk_a"], notice.id, "写错了")
    db.session.rollback()
    services.withdraw(village_staff["reviewer"], notice.id, "金额有误，更正后重新公开")
    assert notice.status is NoticeStatus.WITHDRAWN and "金额有误" in notice.withdrawn_reason


def test_sent_back_notice_returns_to_the_clerk(village_staff, notice_input):
    notice = services.create_draft(village_staff["clerk_a"], notice_input())
    services.submit(village_staff["clerk_a"], notice.id)
    services.send_back(village_staff["supervisor_a"], notice.id, "请补充工程金额")
    assert notice.status is NoticeStatus.DRAFT
    services.update(village_staff["clerk_a"], notice.id, notice_input(title="已补充金额"))
    assert notice.title == "已补充金额"
