"""A hand-checked year of work orders for the inspector's figures.

On 2026-04-10 (Beijing) the town has:
  A 咨询 received Mon 03-02 09:00, signed 13:00 (4 h), replied 03-04 — 2 working days, on time
  B 投诉 received 03-02 09:00, signed 03-03 15:00 (30 h), replied 03-30 — 20 working days,
    past its 03-23 deadline
  C 求助 at 财政所, received 04-01 09:00, signed 10:00 (1 h), replied 04-02 — 1 day, on time
  D 咨询 received 04-01 09:00, never signed — overdue since 04-02
"""

from datetime import date

import pytest

from portal.auth.models import Role
from portal.inquiries import workflow
from portal.inquiries.models import InquiryType
from tests.disclosures.conftest import draft_input, published, staff  # noqa: F401
from tests.inquiries.conftest import (  # noqa: F401 (fixtures shared with the queue tests)
    application_input,
    handlers,
    inquiry_input,
    submit,
)
from tests.inquiries.timetravel import TimeMachine, beijing


@pytest.fixture
def travel(monkeypatch):
    return TimeMachine(monkeypatch)


@pytest.fixture
def year_of_work(travel, submit, handlers, orgs, make_user):
    handler, finance = handlers["handler"], handlers["finance_handler"]
    travel.set(beijing(date(2026, 3, 2), 9))
    a = submit(title="A").inquiry
    b = submit(title="B", type=InquiryType.COMPLAINT).inquiry
    travel.set(beijing(date(2026, 3, 2), 13))
    workflow.sign(handler, a.id)
    travel.set(beijing(date(2026, 3, 3), 15))
    workflow.sign(handler, b.id)
    travel.set(beijing(date(2026, 3, 4), 10))
    workflow.reply(handler, a.id, "答复 A")
    travel.set(beijing(date(2026, 3, 30), 10))
    workflow.reply(handler, b.id, "答复 B")
    travel.set(beijing(date(2026, 4, 1), 9))
    c = submit(title="C", type=InquiryType.HELP, village=None).inquiry
    d = submit(title="D").inquiry
    workflow.transfer(handler, c.id, orgs["finance"], "财政所办理")
    travel.set(beijing(date(2026, 4, 1), 10))
    workflow.sign(finance, c.id)
    travel.set(beijing(date(2026, 4, 2), 10))
    workflow.reply(finance, c.id, "答复 C")
    travel.set(beijing(date(2026, 4, 10), 10))
    return {"A": a, "B": b, "C": c, "D": d}


@pytest.fixture
def inspector(make_user, orgs):
    return make_user("jijian", (Role.INSPECTOR, orgs["town"]))
