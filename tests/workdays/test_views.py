"""The calendar pages: admin overrides and confirmations, and the 计算期限 tool."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.models import Role
from portal.extensions import db
from portal.workdays import services
from portal.workdays.models import CalendarOverride, ConfirmedCalendarYear


@pytest.fixture
def admin(make_user, orgs):
    return make_user("admin", (Role.ADMIN, orgs["county"]))


@pytest.fixture
def editor(make_user, orgs):
    return make_user("editor", (Role.EDITOR, orgs["town"]))


def page(response) -> str:
    return response.get_data(as_text=True)


def overrides() -> list[CalendarOverride]:
    return list(db.session.scalars(select(CalendarOverride)))


class YearPage(HTMLParser):
    """The month grids of a calendar page: captions, and each day's words → its cell classes."""

    def __init__(self, text: str):
        super().__init__()
        self.captions: list[str] = []
        self.days: dict[str, str] = {}
        self._in: str | None = None
        self._cell_class = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and attributes.get("class") == "month-grid":
            self.captions.append("")
        elif tag == "caption" and self.captions and self.captions[-1] == "":
            self._in = "caption"
        elif tag == "td" and "day" in (attributes.get("class") or "").split():
            self._cell_class = attributes["class"]
        elif tag == "span" and attributes.get("class") == "visually-hidden" and self._cell_class:
            self._in = "day"

    def handle_endtag(self, tag):
        if tag in ("caption", "span"):
            self._in = None
        if tag == "td":
            self._cell_class = ""

    def handle_data(self, data):
        if self._in == "caption":
            self.captions[-1] += data
        elif self._in == "day":
            self.days[data.strip()] = self._cell_class


def test_pages_need_a_login(client):
    for url in ("/staff/calendar/", "/staff/calendar/deadline"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_admin_sees_a_provisional_year_with_its_fallback_holidays(client, login, admin):
    login(admin)
    response = client.get("/staff/calendar/?year=2027")
    assert response.status_code == 200
    text = page(response)
    assert "工作日历：2027 年" in text
    assert "暂定（按法定节假日推算）" in text
    assert "2027-02-05（星期五）春节" in text
    assert "确认该年度日历" in text


def test_a_year_the_package_covers_offers_no_confirmation(client, login, admin):
    login(admin)
    text = page(client.get("/staff/calendar/?year=2026"))
    assert "内置数据" in text
    assert "无需确认" in text
    assert "确认该年度日历" not in text


def test_admin_adds_an_override(client, login, admin):
    login(admin)
    response = client.post("/staff/calendar/overrides",
                           data={"day": "2027-02-09", "kind": "holiday", "note": "春节补假"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/calendar/?year=2027")
    [saved] = overrides()
    assert (saved.day, saved.is_working_day, saved.note) == (date(2027, 2, 9), False, "春节补假")

    text = page(client.get(response.headers["Location"]))
    assert "已将 2027-02-09 设为休息日。" in text
    assert "2027-02-09（星期二）" in text
    assert "春节补假" in text


def test_a_missing_date_is_shown_next_to_the_field(client, login, admin):
    login(admin)
    response = client.post("/staff/calendar/overrides", data={"kind": "working", "note": ""})
    assert response.status_code == 400
    text = page(response)
    assert "请填写日期。" in text
    assert 'id="day-error"' in text
    assert 'aria-describedby="day-error"' in text
    assert overrides() == []


def test_a_service_refusal_is_shown_on_the_form(client, login, admin):
    login(admin)
    response = client.post("/staff/calendar/overrides",
                           data={"day": "2101-01-01", "kind": "working"})
    assert response.status_code == 400
    assert "日期须在 2004 年至 2100 年之间。" in page(response)
    assert overrides() == []


def test_a_non_admin_is_refused_and_the_denial_is_audited(client, login, editor):
    login(editor)
    assert client.get("/staff/calendar/?year=2027").status_code == 403
    response = client.post("/staff/calendar/overrides",
                           data={"day": "2027-02-09", "kind": "holiday"})
    assert response.status_code == 403
    assert overrides() == []
    # Refused at the route gate, before the service is reached; still on the record.
    denial = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "route:workdays.set_override"))
    assert (denial.result, denial.actor_id) == ("denied", editor.id)


def test_admin_removes_an_override(client, login, admin):
    services.set_override(admin, date(2027, 2, 9), False, "")
    login(admin)
    response = client.post("/staff/calendar/overrides/2027-02-09/delete")
    assert response.status_code == 302
    assert overrides() == []
    assert "已删除 2027-02-09 的调整。" in page(client.get(response.headers["Location"]))


def test_removing_with_a_malformed_date_is_not_found(client, login, admin):
    login(admin)
    assert client.post("/staff/calendar/overrides/2027-02-30/delete").status_code == 404


def test_admin_confirms_and_unconfirms_a_year(client, login, admin):
    login(admin)
    response = client.post("/staff/calendar/years", data={"year": "2027", "note": "已录入"})
    assert response.status_code == 302
    assert db.session.scalar(select(ConfirmedCalendarYear.year)) == 2027
    text = page(client.get(response.headers["Location"]))
    assert "管理员已确认" in text
    assert "撤销确认" in text

    response = client.post("/staff/calendar/years/2027/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(ConfirmedCalendarYear.year)) is None
    assert "暂定（按法定节假日推算）" in page(client.get(response.headers["Location"]))


def test_confirming_a_built_in_year_is_explained_on_the_form(client, login, admin):
    login(admin)
    response = client.post("/staff/calendar/years", data={"year": "2026"})
    assert response.status_code == 400
    assert "2026 年的节假日安排已内置，无需确认。" in page(response)


def test_staff_compute_a_provisional_deadline(client, login, editor):
    login(editor)
    response = client.get("/staff/calendar/deadline?start=2026-12-25&days=10")
    assert response.status_code == 200
    text = page(response)
    assert "2027-01-11（星期一）" in text
    assert "（暂定）" in text


def test_staff_compute_a_firm_deadline(client, login, editor):
    login(editor)
    text = page(client.get("/staff/calendar/deadline?start=2026-09-30&days=20"))
    assert "2026-11-03（星期二）" in text
    assert "（暂定）" not in text


def test_the_deadline_form_starts_empty(client, login, editor):
    login(editor)
    text = page(client.get("/staff/calendar/deadline"))
    assert "起算日期" in text
    assert "计算结果" not in text


def test_the_deadline_form_explains_bad_input_in_chinese(client, login, editor):
    login(editor)
    text = page(client.get("/staff/calendar/deadline?start=2026-09-30&days=-1"))
    assert "计算结果" not in text
    assert "数值大小必须介于 0 到 1000 之间" in text
    assert 'aria-describedby="days-error"' in text


def test_the_year_shows_twelve_month_grids_with_holidays_and_make_up_days(client, login, admin):
    login(admin)
    year = YearPage(page(client.get("/staff/calendar/?year=2026")))
    assert [caption.split("（")[0] for caption in year.captions] == \
        [f"2026年{month}月" for month in range(1, 13)]
    assert year.captions[9] == "2026年10月（工作日 18 天）"
    assert "day-holiday" in year.days["10月1日，星期四，法定节假日，国庆节"]
    # The Saturday worked for the National Day holiday (国务院办公厅, 2026 arrangements).
    assert "day-makeup" in year.days["10月10日，星期六，调休上班"]
    assert "day-rest" in year.days["10月7日，星期三，休息日，国庆节假期"]
    assert "day-working" in year.days["10月8日，星期四，工作日"]


def test_the_year_shows_an_admins_override(client, login, admin):
    services.set_override(admin, date(2027, 2, 20), True, "春节调休上班")
    login(admin)
    text = page(client.get("/staff/calendar/?year=2027"))
    year = YearPage(text)
    assert len(year.captions) == 12
    cell = year.days["2月20日，星期六，调休上班，管理员调整：春节调休上班"]
    assert "day-overridden" in cell and "day-makeup" in cell
    assert "管理员录入的调整" in text


def test_year_navigation_stops_at_the_years_the_calendar_knows(client, login, admin):
    login(admin)
    first = page(client.get("/staff/calendar/?year=2004"))
    assert "上一年" not in first and "下一年（2005）" in first
    last = page(client.get("/staff/calendar/?year=2100"))
    assert "下一年" not in last and "上一年（2099）" in last
    assert client.get("/staff/calendar/?year=2099").status_code == 200
