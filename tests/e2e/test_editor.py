"""The rich-text editor in the browser: an editor writes a heading, a list, a table and a
link through the toolbar, the document goes through review, and the public page shows
them; the page's Content-Security-Policy (no inline script or style) is never violated."""

from __future__ import annotations

import re

from tests.e2e.conftest import assert_accessible, login

# Reported by the page itself, whatever the console says.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " at " + event.sourceFile
                + ":" + event.lineNumber);
});
"""


def _watch(page, problems: list[str]) -> None:
    """Collect the page's console errors and script errors into `problems`."""
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))


def _type_body(page) -> None:
    body = page.locator(".jodit-wysiwyg")
    body.click()
    page.keyboard.type("第一章 总则")
    page.click(".jodit-toolbar-button_paragraph .jodit-toolbar-button__trigger")
    page.get_by_text("二级标题", exact=True).click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("本办法适用于：")
    page.keyboard.press("Enter")
    page.click(".jodit-toolbar-button_ul button")
    page.keyboard.type("村务公开")
    page.keyboard.press("Enter")
    page.keyboard.type("财务公开")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # leaves the list
    page.click(".jodit-toolbar-button_table button")
    page.click('[role=gridcell][aria-label="2 by 2"]')
    for number, cell in enumerate(("项目", "金额（元）", "道路硬化", "120000")):
        if number:
            page.keyboard.press("Tab")  # the next cell
        page.keyboard.type(cell)
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("详见政策原文")
    page.keyboard.press("Shift+Home")
    page.click(".jodit-toolbar-button_link button")
    page.fill(".jodit-popup input[name=url]", "https://www.gov.cn/zhengce/")
    page.keyboard.press("Enter")


def test_editor_writes_heading_list_table_and_link_to_the_public_page(browser, site):
    base, accounts = site
    title = "双塔镇2026年村级公益事业建设项目安排"
    editor = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    _watch(editor, problems)
    login(editor, base, "editor", accounts["editor"])
    editor.goto(base + "/staff/disclosures/new")
    assert editor.locator("#body_html").is_hidden()  # the editor stands in for it
    assert_accessible(editor)
    editor.fill("#title", title)
    _type_body(editor)
    editor.fill("#formed_on", "2026-11-20")
    editor.click("button:has-text('保存')")
    editor.wait_for_url(re.compile(r".*/staff/disclosures/\d+$"))
    document_url = editor.url
    editor.click("button:has-text('提交审核')")

    reviewer = browser.new_page()
    _watch(reviewer, problems)
    login(reviewer, base, "reviewer", accounts["reviewer"])
    reviewer.goto(document_url)
    reviewer.click("button:has-text('审核通过')")
    reviewer.click("button:has-text('发布')")
    reviewer.click("text=查看公开页面")

    body = reviewer.locator(".doc-body")
    assert body.locator("h2").inner_text() == "第一章 总则"
    assert body.locator("ul > li").all_inner_texts() == ["村务公开", "财务公开"]
    assert body.locator("table tr").nth(1).locator("td").all_inner_texts() == [
        "道路硬化", "120000"]
    link = body.locator("a", has_text="详见政策原文")
    assert link.get_attribute("href") == "https://www.gov.cn/zhengce/"
    assert body.locator("[style]").count() == 0
    assert_accessible(reviewer)
    assert problems == []


def test_keyboard_paste_from_word_and_an_over_long_body(browser, site):
    """The clerk reaches the toolbar and the text by keyboard; a Word paste arrives as
    headings, a real list, a table with merged cells and a link, without Word's formatting;
    a body past the limit is not sent, and the message says why with the text still there."""
    from tests.test_sanitize import WORD_PASTE

    base, accounts = site
    clerk = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    _watch(clerk, problems)
    login(clerk, base, "clerk", accounts["clerk"])
    clerk.goto(base + "/staff/villages/new")
    focused = "document.activeElement.getAttribute('aria-label')"
    clerk.focus("#title")
    clerk.keyboard.press("Tab")
    assert clerk.evaluate(focused) == "段落与标题"
    while clerk.evaluate(focused) != "公开内容":
        assert clerk.evaluate(focused) is not None, "Tab left the editor before its text"
        clerk.keyboard.press("Tab")
    clerk.keyboard.type("关于")
    clerk.keyboard.press("Alt+F10")
    assert clerk.evaluate(focused) == "段落与标题"
    clerk.keyboard.press("Escape")
    assert clerk.evaluate(focused) == "公开内容"

    clerk.evaluate("""(html) => {
        const data = new DataTransfer();
        data.setData("text/html", html);
        data.setData("text/plain", "第一章 总则");
        document.activeElement.dispatchEvent(new ClipboardEvent(
            "paste", {clipboardData: data, bubbles: true, cancelable: true}));
    }""", WORD_PASTE)
    pasted = clerk.locator(".jodit-wysiwyg")
    assert pasted.locator("h2").inner_text() == "第一章 总则"
    assert pasted.locator("ol > li").all_inner_texts() == ["第一项"]
    assert pasted.locator('td[colspan="2"]').inner_text() == "项目"
    assert pasted.locator('td[rowspan="2"]').inner_text() == "道路"
    assert pasted.locator("a").get_attribute("href") == "https://www.gov.cn/"
    assert pasted.locator("[style], [class], o\\:p").count() == 0

    clerk.evaluate("Object.values(Jodit.instances)[0].value = "
                   "'<p>' + '长'.repeat(200000) + '</p>'")
    clerk.fill("#title", "超长的公开内容")
    clerk.click("button:has-text('保存草稿')")
    message = clerk.locator(".editor-message")
    assert message.is_visible()
    assert "公开内容过长" in message.inner_text() and "200,000" in message.inner_text()
    assert clerk.url.endswith("/staff/villages/new")  # nothing was sent
    assert len(pasted.inner_text()) >= 200_000
    assert problems == []


def test_without_javascript_the_body_is_a_plain_textarea_that_saves(browser, site):
    """The form as it was before the editor: HTML typed into the textarea is kept."""
    base, accounts = site
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(base + "/login")  # not conftest.login: its axe check needs JavaScript
    page.fill("#username", "editor")
    page.fill("#password", accounts["editor"])
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/staff/$"))
    page.goto(base + "/staff/disclosures/new")
    assert page.locator("#body_html").is_visible()
    assert page.locator(".jodit-container").count() == 0
    page.fill("#title", "村级道路养护办法")
    page.fill("#body_html", "<h2>第一条</h2><ul><li>道路</li></ul>")
    page.fill("#formed_on", "2026-11-20")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r".*/staff/disclosures/\d+$"))
    assert page.locator(".doc-body h2").inner_text() == "第一条"
    assert page.locator(".doc-body li").inner_text() == "道路"
    context.close()
