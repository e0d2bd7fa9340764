"""A resident on a phone and on a PC: reads, submits an inquiry, tracks it."""

import re

from tests.e2e.conftest import assert_accessible


def test_resident_submits_an_inquiry_and_tracks_it(page, site):
    base, _accounts = site
    page.goto(base + "/")
    assert_accessible(page)
    page.click("text=我要留言 >> nth=0")
    assert_accessible(page)
    page.fill("#title", "村口路灯不亮")
    page.fill("#body", "双塔村村口的路灯坏了一个月，晚上看不清路。")
    page.select_option("#place", "village:shuangta-cun")
    page.fill("#contact_name", "张大娘")
    page.fill("#contact_phone", "138123")  # a mistake first
    page.click("button:has-text('提交留言')")
    assert page.locator("#contact_phone-error").is_visible()
    assert_accessible(page)
    assert page.input_value("#body").startswith("双塔村村口")  # nothing typed is lost
    page.fill("#contact_phone", "13812345678")
    page.click("button:has-text('提交留言')")
    code = page.inner_text(".tracking-code")
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    assert_accessible(page)
    page.goto(base + "/inquiries/track")
    page.fill("#code", code.lower())
    page.click("button:has-text('查询')")
    page.wait_for_url(re.compile(r".*/inquiries/track/status$"))
    assert code not in page.url and "已受理" in page.content()
    assert_accessible(page)


def test_phone_pages_fit_without_sideways_scrolling(phone, site):
    base, _accounts = site
    for path in ("/", "/disclosures/", "/disclosures/1", "/inquiries/new", "/villages/",
                 "/villages/shuangta-cun/"):
        phone.goto(base + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
        assert_accessible(phone)


def test_keyboard_reaches_the_skip_link_first(page, site):
    base, _accounts = site
    page.goto(base + "/disclosures/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "跳到主要内容"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
