"""After the window: adoption decisions, legality review, collective discussion, the
published result and the link to the final decision."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.consultations import moderation, services
from portal.consultations.models import Adoption, ConsultationStatus
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.errors import Conflict, PermissionDenied, ValidationError
from portal.extensions import db
from tests.consultations.conftest import CLOSES, OPENS
from tests.inquiries.timetravel import beijing

AFTER = date(2026, 12, 20)


@pytest.fixture
def closed(published_consultation, comment, staff, travel):
    """A consultation with three approved comments and one rejected, its window closed."""
    consultation = published_consultation()
    travel.set(beijing(OPENS, 9))
    bodies = ("建议每周收运两次垃圾。", "建议取消旱厕改造补贴。", "建议公示保洁员名单。",
              "广告：出售化肥")
    items = [comment(consultation, body=body) for body in bodies]
    for item in items[:3]:
        moderation.moderate(staff["reviewer"], consultation.id, item.id, True)
    moderation.moderate(staff["reviewer"], consultation.id, items[3].id, False, "广告")
    travel.set(beijing(AFTER, 10))
    return consultation, items


def _outcome(**changes) -> services.OutcomeInput:
    fields = dict(adoption_summary="共收到意见 4 条，经梳理采纳 1 条。",
                  legality_reviewer="双塔镇司法所", legality_reviewed_on=date(2026, 12, 17),
                  legality_conclusion="方案内容合法，程序符合规定。",
                  discussion_meeting="双塔镇人民政府第 12 次常务会议",
                  discussed_on=date(2026, 12, 18))
    fields.update(changes)
    return services.OutcomeInput(**fields)


def _decide_all(consultation, items, staff):
    moderation.set_adoption(staff["editor"], consultation.id, items[0].id, Adoption.ADOPTED)
    moderation.set_adoption(staff["editor"], consultation.id, items[1].id, Adoption.NOT_ADOPTED,
                            "旱厕改造补贴为县级政策，本方案无权取消。")
    moderation.set_adoption(staff["editor"], consultation.id, items[2].id, Adoption.PARTLY,
                            "保洁员名单在村务公开栏公示，不在本方案中列出。")


def test_the_result_page_shows_adoption_review_discussion_and_decision(
        client, closed, staff, orgs, travel):
    consultation, items = closed
    _decide_all(consultation, items, staff)
    services.record_outcome(staff["editor"], consultation.id, _outcome())
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "意见采纳情况正在整理" in page and "双塔镇司法所" not in page  # not yet public
    services.conclude(staff["reviewer"], consultation.id)
    decision = _published_decision(staff, orgs)
    services.link_decision(staff["editor"], consultation.id, decision.index_number)
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "共收到意见 4 条，经审核公开 3 条；其中采纳 1 条，部分采纳 1 条，未采纳 1 条。" in page
    assert "旱厕改造补贴为县级政策，本方案无权取消。" in page
    assert "双塔镇司法所" in page and "2026-12-17" in page and "方案内容合法" in page
    assert "2026-12-18" in page and "第 12 次常务会议" in page
    assert f'href="/disclosures/{decision.id}"' in page and decision.title in page
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("consultation.%"))))
    assert {"consultation.create", "consultation.publish", "consultation.comment",
            "consultation.moderate", "consultation.adoption", "consultation.outcome",
            "consultation.conclude", "consultation.decision"} <= actions


def _published_decision(staff, orgs, category=Category.DECISION):
    """A disclosure the editor drafts and publishes after the reviewer approves it."""
    editor = staff["editor"]
    doc = disclosures.create_draft(editor, disclosures.DisclosureInput(
        organization=orgs["town"], category=category, title="双塔镇农村人居环境整治实施方案",
        body_html="正文", formed_on=AFTER - timedelta(days=1)))
    disclosures.submit(editor, doc.id)
    disclosures.approve(staff["reviewer"], doc.id)
    return disclosures.publish(editor, doc.id)


def test_conclusion_lists_what_is_missing(closed, staff):
    consultation, _ = closed
    with pytest.raises(ValidationError) as refused:
        services.conclude(staff["reviewer"], consultation.id)
    message = refused.value.message
    assert "3 条意见尚未标明是否采纳" in message
    assert "未填写合法性审查机构" in message and "未填写集体讨论决定日期" in message
    assert consultation.status is ConsultationStatus.PUBLISHED


def test_not_adopted_needs_a_reason(closed, staff):
    consultation, items = closed
    with pytest.raises(ValidationError, match="请填写未采纳的理由"):
        moderation.set_adoption(staff["editor"], consultation.id, items[1].id,
                                Adoption.NOT_ADOPTED, "")


def test_outcome_waits_for_the_window_to_close(published_consultation, comment, staff, travel):
    consultation = published_consultation()
    travel.set(beijing(CLOSES, 23, 59))
    with pytest.raises(Conflict, match="2026-12-15"):
        services.record_outcome(staff["editor"], consultation.id, _outcome())


def test_discussion_comes_after_legality_review(closed, staff):
    consultation, _ = closed
    with pytest.raises(ValidationError, match="集体讨论决定应在合法性审查之后"):
        services.record_outcome(staff["editor"], consultation.id,
                                _outcome(discussed_on=date(2026, 12, 16)))
    with pytest.raises(ValidationError, match="合法性审查日期应在征求意见开始之后、今天之前"):
        services.record_outcome(staff["editor"], consultation.id,
                                _outcome(legality_reviewed_on=date(2026, 12, 31)))


def test_only_a_published_decision_of_the_town_can_be_linked(closed, staff, orgs):
    consultation, _ = closed
    result = _published_decision(staff, orgs, category=Category.RESULT)
    with pytest.raises(ValidationError, match="已发布决策公开文件"):
        services.link_decision(staff["editor"], consultation.id, result.index_number)
    with pytest.raises(ValidationError, match="已发布决策公开文件"):
        services.link_decision(staff["editor"], consultation.id, "不存在/2026-00001")


def test_outcome_page_keeps_bad_input(client, login, closed, staff):
    consultation, _ = closed
    login(staff["editor"])
    response = client.post(f"/staff/consultations/{consultation.id}/outcome", data={
        "adoption_summary": "整理中的说明", "legality_reviewed_on": "2026-12-18",
        "discussed_on": "2026-12-17"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "集体讨论决定应在合法性审查之后" in html and "整理中的说明" in html


def test_author_cannot_publish_own_draft(staff, consultation_input, make_user, orgs, travel):
    from portal.auth.models import Role

    both = make_user("both", (Role.EDITOR, orgs["town"]), (Role.REVIEWER, orgs["town"]))
    draft = services.create_draft(both, consultation_input())
    with pytest.raises(PermissionDenied, match="先审后发"):
        services.publish(both, draft.id)


def test_a_short_window_needs_a_reason(staff, consultation_input, travel):
    with pytest.raises(ValidationError, match="少于 30 日的，请说明理由"):
        services.create_draft(staff["editor"], consultation_input(short_window_reason=""))
    services.create_draft(staff["editor"], consultation_input(
        short_window_reason="", closes_on=OPENS + timedelta(days=30)))


def test_staff_create_through_the_page_with_a_bad_date_keeps_the_text(client, login, staff,
                                                                      orgs, travel):
    login(staff["editor"])
    data = {"organization": orgs["town"].id, "title": "关于某方案征求意见的公告",
            "draft_html": "第一条", "opens_on": "2026-12-10", "closes_on": "2026-12-01"}
    response = client.post("/staff/consultations/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "截止日期不能早于开始日期。" in html and "关于某方案征求意见的公告" in html
    data["closes_on"] = "2027-01-31"
    response = client.post("/staff/consultations/new", data=data)
    assert response.status_code == 303


def test_feed_lists_published_consultations(client, published_consultation, staff,
                                            consultation_input):
    consultation = published_consultation(draft_html="<p>方案 &amp; 说明</p>")
    services.create_draft(staff["editor"], consultation_input(title="未发布的草稿"))
    response = client.get("/consultations/feed.atom")
    xml = response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    assert consultation.title in xml and "未发布的草稿" not in xml
    assert "&lt;p&gt;方案 &amp;amp; 说明&lt;/p&gt;" in xml
    assert f"/consultations/{consultation.id}</id>" in xml
    from xml.etree import ElementTree

    ElementTree.fromstring(xml.encode())  # well-formed


def test_listing_groups_open_upcoming_and_closed(client, published_consultation, travel):
    later = published_consultation(title="下个月的征求意见", opens_on=date(2027, 1, 5),
                                   closes_on=date(2027, 2, 10))
    now = published_consultation(title="本月的征求意见")
    travel.set(beijing(OPENS, 9))
    html = client.get("/consultations/").get_data(as_text=True)
    assert html.index("正在征求意见") < html.index(now.title) < html.index("即将开始") \
        < html.index(later.title)
