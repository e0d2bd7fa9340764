"""Nobody is shown what they may not do.

Each role (and the same roles in a second town) signs in, walks every back-office page it
can reach from the staff home, follows every link and presses every form button it is
shown, with the form's own fields and CSRF token. None of that may answer 403: a button
the policy would refuse must not be on the page in the first place.
"""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from portal.auth.models import Role
from portal.disclosures import services as disclosures
from portal.disclosures.models import Category
from portal.inquiries import submission, tracking
from portal.inquiries.models import InquiryType
from portal.villages import services as villages
from portal.villages.models import NoticeCategory
from tests.conftest import next_totp_code

STAFF_PREFIXES = ("/staff", "/inspect", "/account")
# Leaving, or changing one's own sign-in, ends the walk rather than testing a button.
NOT_PRESSED = ("/logout", "/account/password", "/account/totp", "/account/enroll")
MAX_PAGES = 80


class _Page(HTMLParser):
    """Links and, per form, its fields and its submit buttons (with any formaction)."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action", ""),
                          "method": (a.get("method") or "get").lower(),
                          "fields": {}, "buttons": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self._form["buttons"].append((a.get("formaction"), a.get("name"), a.get("value")))
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                self._form["buttons"].append((a.get("formaction"), a.get("name"),
                                              a.get("value")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a and a.get("name"):
                    self._form["fields"][a["name"]] = a.get("value", "on")
            elif kind != "file" and a.get("name"):
                self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select is not None \
                and self._select not in self._form["fields"]:
            self._form["fields"][self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _staff_url(base: str, href: str) -> str | None:
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith(STAFF_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def town_world(orgs, make_user):
    """Work in every state, in 双塔镇: drafts and submissions by the editor, a notice
    awaiting sign-off and one awaiting approval, and an open inquiry."""
    people = {
        "editor": make_user("w-editor", (Role.EDITOR, orgs["town"])),
        "reviewer": make_user("w-reviewer", (Role.REVIEWER, orgs["town"]),
                              (Role.EDITOR, orgs["town"])),
        "clerk": make_user("w-clerk", (Role.VILLAGE_CLERK, orgs["village_a"])),
        "supervisor": make_user("w-supervisor", (Role.VILLAGE_SUPERVISOR, orgs["village_a"])),
        "handler": make_user("w-handler", (Role.HANDLER, orgs["town"])),
        "inspector": make_user("w-inspector", (Role.INSPECTOR, orgs["town"])),
        "admin": make_user("w-admin", (Role.ADMIN, orgs["county"])),
        "other_editor": make_user("o-editor", (Role.EDITOR, orgs["other_town"])),
        "other_reviewer": make_user("o-reviewer", (Role.REVIEWER, orgs["other_town"])),
        "other_handler": make_user("o-handler", (Role.HANDLER, orgs["other_town"])),
        "other_inspector": make_user("o-inspector", (Role.INSPECTOR, orgs["other_town"])),
    }
    for author in ("editor", "reviewer"):
        for state in ("draft", "submitted"):
            doc = disclosures.create_draft(people[author], disclosures.DisclosureInput(
                organization=orgs["town"], category=Category.RESULT,
                title=f"{author}的{state}", body_html="正文", formed_on=date(2026, 11, 2)))
            if state == "submitted":
                disclosures.submit(people[author], doc.id)
    for title, steps in (("待签署", 1), ("待审核", 2)):
        notice = villages.create_draft(people["clerk"], villages.NoticeInput(
            village=orgs["village_a"], category=NoticeCategory.PARTY, title=title,
            body_html="正文", period_start=date(2026, 7, 1), period_end=date(2026, 9, 30)))
        villages.submit(people["clerk"], notice.id)
        if steps == 2:
            villages.sign_off(people["supervisor"], notice.id)
    submission.submit(submission.InquiryInput(
        type=InquiryType.CONSULT, title="路灯不亮", body="村口路灯坏了", contact_name="甲",
        contact_phone="13812345678", organization=orgs["town"]),
        tracking.new_submission_token())
    return people


def _sign_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username,
                                           "password": "Passw0rd!demo"})
    if response.headers.get("Location", "").endswith("/login/verify"):
        response = client.post("/login/verify", data={"code": next_totp_code(user)})
    assert response.status_code == 302
    return client


def _buttons(page_url: str, page: _Page):
    for form in page.forms:
        if form["method"] != "post":
            continue
        for formaction, name, value in form["buttons"] or [(None, None, None)]:
            target = _staff_url(page_url, formaction or form["action"] or page_url)
            if target is not None and not target.startswith(NOT_PRESSED):
                data = dict(form["fields"])
                if name:
                    data[name] = value or ""
                yield target, data


def _press_every_button(client, page_url: str, page: _Page, refused: list) -> None:
    """Press each button once, reloading the page after each press: a press may change
    the record, and only what the page shows *now* is on offer."""
    pressed: set[str] = set()
    while True:
        todo = [(t, d) for t, d in _buttons(page_url, page) if t not in pressed]
        if not todo:
            return
        target, data = todo[0]
        pressed.add(target)
        if client.post(target, data=data).status_code == 403:
            refused.append(f"POST {target} (shown on {page_url})")
        response = client.get(page_url)
        if response.status_code != 200 or "html" not in response.content_type:
            return
        page = _Page()
        page.feed(response.get_data(as_text=True))


@pytest.mark.parametrize("who", ["editor", "reviewer", "clerk", "supervisor", "handler",
                                 "inspector", "admin", "other_editor", "other_reviewer",
                                 "other_handler", "other_inspector"])
def test_nothing_shown_is_refused(app, town_world, who):
    client = _sign_in(app, town_world[who])
    seen, queue, refused = set(), ["/staff/"], []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code == 403:
            refused.append(f"GET {url}")
            continue
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        page = _Page()
        page.feed(response.get_data(as_text=True))
        for href in page.links:
            target = _staff_url(url, href)
            if target is not None and target not in seen:
                queue.append(target)
        _press_every_button(client, url, page, refused)
    assert len(seen) > 1
    assert not refused, f"{who} was shown what they may not do: {refused}"
