"""The comment window runs in Beijing time: from 00:00 on the first day through 23:59:59
on the last. Midnight Beijing is 16:00 UTC the day before, so a boundary computed in UTC
would be eight hours off."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.consultations import queries
from portal.consultations.models import ConsultationComment, Phase
from portal.errors import ValidationError
from portal.extensions import db
from tests.consultations.conftest import CLOSES, OPENS
from tests.inquiries.timetravel import beijing


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ConsultationComment))


@pytest.mark.parametrize("moment,phase", [
    (beijing(date(2026, 11, 30), 23, 59, 59), Phase.UPCOMING),
    (beijing(OPENS, 0, 0, 0), Phase.OPEN),
    (beijing(CLOSES, 23, 59, 59), Phase.OPEN),
    (beijing(date(2026, 12, 16), 0, 0, 0), Phase.CLOSED),
])
def test_phase_follows_beijing_days(published_consultation, travel, moment, phase):
    consultation = published_consultation()
    travel.set(moment)
    assert consultation.phase() is phase


def test_first_and_last_second_are_accepted(published_consultation, comment, travel):
    consultation = published_consultation()
    travel.set(beijing(OPENS, 0, 0, 0))
    comment(consultation, body="开始第一秒的意见")
    travel.set(beijing(CLOSES, 23, 59, 59))
    comment(consultation, body="截止前最后一秒的意见")
    assert _count() == 2


def test_before_the_window_is_refused(published_consultation, comment, travel):
    consultation = published_consultation()
    travel.set(beijing(date(2026, 11, 30), 23, 59, 59))
    with pytest.raises(ValidationError, match="自2026-12-01开始"):
        comment(consultation)
    assert _count() == 0


def test_midnight_after_the_last_day_is_refused_with_the_closing_date(
        published_consultation, comment, travel):
    consultation = published_consultation()
    # 2026-12-16 00:00 Beijing is still 2026-12-15 in UTC.
    travel.set(beijing(date(2026, 12, 16), 0, 0, 0))
    assert travel.now.date() == CLOSES
    with pytest.raises(ValidationError, match="已于2026-12-15截止"):
        comment(consultation)
    assert _count() == 0


def test_open_list_and_home_page_follow_the_window(client, published_consultation, travel):
    consultation = published_consultation()
    travel.set(beijing(date(2026, 11, 30), 23, 59, 59))
    assert queries.open_consultations() == []
    assert consultation.title not in client.get("/").get_data(as_text=True)
    travel.set(beijing(OPENS, 0, 0, 0))
    assert queries.open_consultations() == [consultation]
    home = client.get("/").get_data(as_text=True)
    assert "正在征求意见" in home and consultation.title in home and "2026-12-15" in home
    travel.set(beijing(date(2026, 12, 16), 0, 0, 0))
    assert queries.open_consultations() == []
    assert consultation in queries.closed_consultations().items
    assert consultation.title not in client.get("/").get_data(as_text=True)  # a new day


def test_home_page_without_its_cache_follows_the_window(app, client, published_consultation,
                                                        travel):
    app.config["PAGE_CACHE_ENABLED"] = False
    consultation = published_consultation()
    travel.set(beijing(OPENS, 0, 0, 0))
    assert consultation.title in client.get("/").get_data(as_text=True)
    travel.set(beijing(date(2026, 12, 16), 0, 0, 0))
    assert consultation.title not in client.get("/").get_data(as_text=True)


def test_late_comment_on_the_page_shows_the_closing_date_and_keeps_the_text(
        client, published_consultation, travel):
    consultation = published_consultation()
    travel.set(beijing(OPENS, 9))
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert 'name="body"' in page  # the form is there while the window is open
    token = page.split('name="submission_token" type="hidden" value="')[1].split('"')[0]
    travel.set(beijing(date(2026, 12, 16), 0, 0, 1))
    response = client.post(f"/consultations/{consultation.id}",
                           data={"body": "我的意见晚到了一秒", "submission_token": token,
                                 "website": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "本次征求意见已于2026-12-15截止，不再接收意见。" in html
    assert "我的意见晚到了一秒" in html
    assert _count() == 0
    refused = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "consultation.comment_closed")).all()
    assert len(refused) == 1 and refused[0].result == "rejected"


def test_no_comment_form_after_the_window(client, published_consultation, travel):
    consultation = published_consultation()
    travel.set(beijing(date(2026, 12, 16), 8))
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert 'name="body"' not in page
    assert "征求意见已于 2026-12-15 结束" in page


# 《重大行政决策程序暂行条例》第十四条：公开征求意见的期限一般不少于 30 日. The day the
# window opens is not counted (民法典第二百零一条), so 30 days after an opening on D end on
# D + 30, and the window must take comments through that whole day.
@pytest.mark.parametrize(("opens", "shortest_full", "one_day_short"), [
    (date(2026, 12, 1), date(2026, 12, 31), date(2026, 12, 30)),  # 12-02 … 12-31
    (date(2027, 2, 1), date(2027, 3, 3), date(2027, 3, 2)),  # 27 days of February + 3
    (date(2028, 2, 1), date(2028, 3, 2), date(2028, 3, 1)),  # a leap year: 28 + 2
])
def test_thirty_days_run_from_the_day_after_opening(staff, consultation_input, travel,
                                                    opens, shortest_full, one_day_short):
    from portal.consultations import services

    full = services.create_draft(staff["editor"], consultation_input(
        opens_on=opens, closes_on=shortest_full, short_window_reason=""))
    assert full.short_window_reason == ""
    with pytest.raises(ValidationError, match="少于 30 日的，请说明理由") as error:
        services.create_draft(staff["editor"], consultation_input(
            opens_on=opens, closes_on=one_day_short, short_window_reason=""))
    assert error.value.field == "short_window_reason"
    assert "第十四条" in error.value.message
    assert f"至少到{shortest_full.isoformat()}" \
        in error.value.message


def test_a_thirty_day_window_takes_comments_through_its_thirtieth_day(
        published_consultation, comment, travel):
    consultation = published_consultation(closes_on=date(2026, 12, 31), short_window_reason="")
    travel.set(beijing(date(2026, 12, 31), 23, 59, 59))
    comment(consultation, body="第三十日最后一秒的意见")
    travel.set(beijing(date(2027, 1, 1), 0, 0, 0))
    with pytest.raises(ValidationError, match="已于2026-12-31截止"):
        comment(consultation, body="第三十一日的意见")
    assert _count() == 1
