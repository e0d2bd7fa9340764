"""长者模式 on a 360 px phone: every part of a page grows with the text (cards, help text,
dates, buttons, tables, the staff pages), every target is at least 44 px tall, nothing
scrolls sideways but a wide table inside its own region, and the header fits."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible, login

PUBLIC = {"home": "/", "inquiry form": "/inquiries/new", "disclosure": "/disclosures/1",
          "tracking": "/inquiries/track"}
STAFF = {"handler": ["/staff/", "/staff/inquiries/"], "inspector": ["/inspect/"],
         "admin": ["/staff/calendar/?year=2026", "/staff/users/"]}
FINANCE_LIST = "/villages/shuangta-cun/?category=finance"

# The first visible element of each kind a page has; 长者模式 must make each one larger.
PARTS = {
    "text": "main p:not(.small):not(.help)",
    "help": "main .help, main .small, main .muted",
    "date": "main time, .meta-table td, td[data-label*=日期], .finance-table td",
    "card title": ".service-link strong, .type-card strong, .category-card h2, main h2",
    "button": "main .button, main button",
    "table": "main td",
    "breadcrumbs": ".breadcrumbs",
    "navigation": ".main-nav a",
    "staff navigation": ".staff-nav a",
}

MEASURE = """(parts) => {
  const visible = (el) => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && !el.closest('.visually-hidden, .skip-link, .honeypot'); };
  const sizes = {};
  for (const [name, selector] of Object.entries(parts)) {
    const el = [...document.querySelectorAll(selector)].find(visible);
    if (el) sizes[name] = parseFloat(getComputedStyle(el).fontSize);
  }
  const small = [], buttons = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    // A link inside a sentence may stay as tall as its line (WCAG 2.5.8, inline exception).
    if (el.tagName === 'A' && style.display === 'inline' && el.closest('p, .doc-body')) continue;
    let height = el.getBoundingClientRect().height;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      const holder = el.closest('.field-option, .radio, .field-check, label');
      height = Math.max(height, holder ? holder.getBoundingClientRect().height : 0);
    }
    const words = (el.textContent || el.name || el.id).trim().slice(0, 16);
    const name = `${el.tagName.toLowerCase()} “${words}”`;
    if (height < 44) small.push(`${name} ${Math.round(height)}px`);
    if (el.matches('button, .button, select, input:not([type=checkbox]):not([type=radio])')
        && height < 44) buttons.push(`${name} ${Math.round(height)}px`);
  }
  const broken = [];
  for (const el of document.querySelectorAll('.account-nav a, .account-nav button, .staff-nav a')) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    const box = el.getBoundingClientRect();
    if (lines.size > 1 || box.right > innerWidth + 0.5 || el.scrollWidth > el.clientWidth + 1)
      broken.push(el.textContent.trim());
  }
  return {sizes, small, buttons, broken, innerWidth,
          scrollWidth: document.scrollingElement.scrollWidth};
}"""


def _finance_page(page, base: str) -> str:
    page.goto(base + FINANCE_LIST)
    for href in page.eval_on_selector_all("main a[href*='/notices/']",
                                          "links => links.map(a => a.getAttribute('href'))"):
        page.goto(base + href)
        if page.locator(".finance-table").count():
            return href
    pytest.fail("the demo data has no finance notice with a 收支明细 table")


def _visit(browser, base: str, accounts: dict, elderly: bool) -> dict[str, dict]:
    """Each page measured at 360×740 in one mode, checked with axe on the way."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740},
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    if elderly:
        context.add_cookies([{"name": "elderly", "value": "1", "url": base}])
    page = context.new_page()
    results: dict[str, dict] = {}
    paths = dict(PUBLIC, finance=_finance_page(page, base))
    for name, path in paths.items():
        page.goto(base + path)
        assert_accessible(page)
        results[name] = page.evaluate(MEASURE, PARTS)
    results["finance table"] = _table_region(page, base + paths["finance"])
    for username, staff_paths in STAFF.items():
        context.clear_cookies()
        if elderly:
            context.add_cookies([{"name": "elderly", "value": "1", "url": base}])
        login(page, base, username, accounts[username])
        for path in staff_paths:
            page.goto(base + path)
            assert_accessible(page)
            results[path] = page.evaluate(MEASURE, PARTS)
    context.close()
    return results


def _table_region(page, url: str) -> dict:
    """The finance table scrolls inside a labelled, focusable region; its row names stay."""
    page.goto(url)
    region = page.locator(".table-scroll").first
    attributes = region.evaluate(
        "el => [el.getAttribute('role'), el.getAttribute('aria-label'), el.tabIndex]")
    region.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    region_left = region.evaluate("el => el.getBoundingClientRect().left")
    row_name_left = page.locator(".finance-table tbody th[scope=row]").first.evaluate(
        "el => el.getBoundingClientRect().left")
    return {"attributes": attributes, "row name offset": row_name_left - region_left,
            "scrolled": region.evaluate("el => el.scrollLeft")}


@pytest.fixture(scope="module")
def measured(browser, site):
    base, accounts = site
    return {mode: _visit(browser, base, accounts, mode == "elderly")
            for mode in ("normal", "elderly")}


def _pages(measured):
    return [name for name in measured["normal"] if name != "finance table"]


def test_every_part_of_every_page_is_larger_in_elderly_mode(measured):
    for name in _pages(measured):
        normal, elderly = measured["normal"][name]["sizes"], measured["elderly"][name]["sizes"]
        assert len(normal) >= 3 and {"help", "text"} & set(normal), \
            f"{name}: measured only {sorted(normal)}"
        for part, size in normal.items():
            assert elderly.get(part, 0) >= 1.25 * size, \
                f"{name}: {part} is {elderly.get(part)}px in 长者模式, {size}px otherwise"


def test_every_target_is_at_least_44px_tall(measured):
    for name in _pages(measured):
        assert not measured["elderly"][name]["small"], name
        # Buttons and form controls, in both modes.
        assert not measured["normal"][name]["buttons"], name


def test_nothing_scrolls_sideways_and_the_header_fits(measured):
    for mode, pages in measured.items():
        for name in _pages(measured):
            result = pages[name]
            assert result["innerWidth"] == 360 and result["scrollWidth"] <= 360, \
                f"{name} ({mode}) is {result['scrollWidth']}px wide"
            assert not result["broken"], f"{name} ({mode}): header links broken or cut"


def test_the_finance_table_scrolls_in_its_own_region_keeping_row_names(measured):
    for mode in ("normal", "elderly"):
        table = measured[mode]["finance table"]
        role, label, tab_index = table["attributes"]
        assert (role, tab_index) == ("region", 0) and "收支明细" in label
        assert table["scrolled"] > 0, f"{mode}: the table fits, nothing to scroll"
        assert abs(table["row name offset"]) <= 1, f"{mode}: the row names scrolled away"
