"""`make screenshots`: PNGs of the main pages at phone and desktop widths for the README.
Skipped unless PORTAL_SCREENSHOTS names the output folder."""

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import login

OUTPUT = os.environ.get("PORTAL_SCREENSHOTS")
PAGES = [("home", "/", None), ("disclosure", "/disclosures/1", None),
         ("village-board", "/villages/shuangta-cun/", None),
         ("inquiry-form", "/inquiries/new", None), ("search", "/search?q=低保", None),
         ("staff-inquiry-queue", "/staff/inquiries/", "handler"),
         ("inspector-dashboard", "/inspect/", "inspector")]
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.mark.skipif(not OUTPUT, reason="set PORTAL_SCREENSHOTS (make screenshots)")
@pytest.mark.parametrize("device", sorted(WIDTHS))
def test_screenshots(browser, site, device):
    base, accounts = site
    folder = Path(OUTPUT)
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN",
                                  viewport={"width": WIDTHS[device], "height": 900})
    page = context.new_page()
    signed_in = None
    for name, path, user in PAGES:
        if user and user != signed_in:
            context.clear_cookies()
            login(page, base, user, accounts[user])
            signed_in = user
        page.goto(base + path)
        page.screenshot(path=str(folder / f"{name}-{device}.png"), full_page=device == "phone")
    context.close()
