"""Every public page and the main staff pages pass axe, in both modes, and fit a narrow
screen (360 px phones; 640 px is a 1280 px desktop at 200% zoom)."""

import pytest

from tests.e2e.conftest import assert_accessible, login

PUBLIC = ["/", "/disclosures/", "/disclosures/1", "/disclosures/?category=result",
          "/villages/", "/villages/shuangta-cun/", "/villages/shuangta-cun/notices/1",
          "/inquiries/new", "/inquiries/new?type=info_request", "/inquiries/track",
          "/inquiries/replies", "/consultations/", "/execution/", "/catalogue/",
          "/catalogue/guide/shuangta", "/catalogue/entries/1", "/consultations/1",
          "/execution/1", "/search?q=低保", "/search?q=", "/feeds/",
          "/no/such/page", "/login"]
STAFF = {"editor": ["/staff/", "/staff/disclosures/", "/staff/disclosures/new",
                    "/staff/disclosures/1"],
         "handler": ["/staff/inquiries/", "/staff/inquiries/1"],
         "clerk": ["/staff/villages/", "/staff/villages/new"],
         "inspector": ["/inspect/", "/inspect/audit",
                       "/inspect/supervise/village?village=wangtang&subject=王堂村财务公开"]}


@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_public_pages_pass_axe_and_fit_at_200_percent_zoom(browser, site, elderly):
    base, _accounts = site
    context = browser.new_context(locale="zh-CN", viewport={"width": 640, "height": 900})
    if elderly:
        context.add_cookies([{"name": "elderly", "value": "1", "url": base}])
    page = context.new_page()
    for path in PUBLIC:
        page.goto(base + path)
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 640, f"{path} scrolls sideways ({width}px) at 200% zoom"
    context.close()


@pytest.mark.parametrize("username", sorted(STAFF))
def test_main_staff_pages_pass_axe(browser, site, username):
    base, accounts = site
    page = browser.new_page()
    login(page, base, username, accounts[username])
    for path in STAFF[username]:
        page.goto(base + path)
        assert_accessible(page)
    page.close()
