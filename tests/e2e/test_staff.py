"""Staff in the browser: a village notice from clerk to board; an inspector's checks."""

import re

from tests.e2e.conftest import assert_accessible, login


def test_clerk_posts_reviewer_approves_resident_finds_it(browser, site):
    base, accounts = site
    title = "双塔村2026年第四季度宅基地审批公示"
    clerk = browser.new_page()
    login(clerk, base, "clerk", accounts["clerk"])
    clerk.goto(base + "/staff/villages/new")
    assert_accessible(clerk)
    clerk.select_option("#category", "homestead")
    clerk.fill("#title", title)
    clerk.locator(".jodit-wysiwyg").fill("经村民代表会议讨论，同意王某某在村西申请宅基地一处。")
    clerk.fill("#period_start", "2026-10-01")
    clerk.fill("#period_end", "2026-12-31")
    clerk.click("button:has-text('保存草稿')")
    clerk.click("button:has-text('提交监委会签署')")
    notice_url = clerk.url
    assert "待监委会签署" in clerk.content()
    supervisor = browser.new_page()
    login(supervisor, base, "supervisor", accounts["supervisor"])
    supervisor.goto(notice_url)
    supervisor.click("button:has-text('监委会签署')")
    reviewer = browser.new_page()
    login(reviewer, base, "reviewer", accounts["reviewer"])
    reviewer.goto(notice_url)
    assert_accessible(reviewer)
    reviewer.click("button:has-text('审核通过并公开')")
    assert "已公开" in reviewer.content()
    resident = browser.new_page()
    resident.goto(base + "/")
    resident.fill("#site-search-q", "宅基地")
    resident.press("#site-search-q", "Enter")
    assert_accessible(resident)
    resident.click(f"text={title}")
    assert title in resident.title()
    assert_accessible(resident)


def test_inspector_opens_the_dashboard_and_verifies_the_record(page, site):
    base, accounts = site
    login(page, base, "inspector", accounts["inspector"])
    page.goto(base + "/inspect/")
    assert "答复按时率" in page.content() and page.locator("svg.chart").count() == 1
    assert_accessible(page)
    page.click("text=校验审计记录")
    page.wait_for_url(re.compile(r".*/inspect/audit$"))
    assert "审计链完好" in page.content()
    assert_accessible(page)
