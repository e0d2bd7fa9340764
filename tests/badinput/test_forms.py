"""The corpus through one text field of each form, checked the way a person would notice.

- Valid Chinese with astral-plane characters (𠀀, 𪚥) comes back exactly where it is shown.
- Control characters and bidi overrides are refused with a Chinese message (400) in the
  summary atop the form, linked to the field (every link finds its field), the person's
  other input is still in the form and nothing is saved; in rich-text bodies they
  are stripped instead (portal/validation.py records the decision).
- Bytes that are not UTF-8 are refused the same way; so is text past the field's limit.
- Script typed into any field never comes back runnable, on staff or public pages.

Every POST route that takes typed text is listed in CASES or in NO_TEXT_FIELDS with the
reason, so a new form fails `test_every_form_is_covered` until it is added here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import url_for

from portal.consultations.models import Consultation
from portal.disclosures.models import Disclosure
from portal.disputes.models import Dispute
from portal.extensions import db
from portal.inquiries.models import Inquiry
from tests.badinput.corpus import (
    ASTRAL,
    BIDI,
    CONTROL,
    INVALID_UTF8,
    LONG,
    SQL,
    XSS,
    has_chinese,
    runnable_markup,
)
from tests.badinput.forms import filled, form_for


@dataclass(frozen=True)
class Case:
    endpoint: str  # the route the form posts to
    field: str  # the field fed the corpus
    keep: str  # another typed field, which must survive a refusal
    shows: tuple[str, ...]  # pages (endpoints) where the saved text is shown
    page: str | None = None  # the page carrying the form, when not the route's own GET
    rich: bool = False  # a rich-text body: invisible characters are stripped, not refused
    latest: tuple[str, type] | None = None  # shown on the page of the newest such object


def _latest_id(model: type) -> int | None:
    return db.session.scalar(sa.select(sa.func.max(model.id)))


CASES = [
    Case("inquiries.new", "title", "body", ("staff_inquiries.queue",)),
    Case("inquiries.new", "body", "contact_name", ("staff_inquiries.show",),
         latest=("inquiry_id", Inquiry)),
    Case("consultations.detail", "body", "name", ("staff_consultations.show",)),
    Case("staff_disclosures.new", "title", "doc_number", ("staff_disclosures.staff_listing",)),
    Case("staff_disclosures.new", "body_html", "title", ("staff_disclosures.show",),
         rich=True, latest=("disclosure_id", Disclosure)),
    # A published document: the edit is a pending revision, shown in its diff for review.
    Case("staff_disclosures.edit", "keywords", "title", ("staff_disclosures.show",)),
    Case("staff_disclosures.edit", "correction_note", "title", ("staff_disclosures.show",)),
    Case("staff_villages.new", "title", "body_html", ("staff_villages.listing",)),
    Case("staff_consultations.new", "title", "summary", ("staff_consultations.listing",)),
    Case("staff_consultations.new", "draft_html", "title", ("staff_consultations.show",),
         rich=True, latest=("consultation_id", Consultation)),
    Case("staff_execution.new", "title", "description", ("staff_execution.listing",)),
    Case("staff_execution.add_update", "note", "note", ("staff_execution.show",),
         page="staff_execution.show"),
    Case("staff_catalogue.new", "level2", "basis", ("staff_catalogue.staff_listing",)),
    Case("staff_enforcement.new_body", "name", "duties",
         ("staff_enforcement.listing", "enforcement.index")),
    Case("staff_disputes.new", "summary", "parties", ("staff_disputes.show",),
         latest=("dispute_id", Dispute)),
    Case("staff_disputes.new", "responsible", "summary", ("staff_disputes.listing",)),
    Case("staff_inquiries.new_opinion", "title", "summary", ("staff_inquiries.queue",)),
    Case("staff_inquiries.note", "text", "text", ("staff_inquiries.show",),
         page="staff_inquiries.show"),
    Case("open311_keys.issue", "name", "name", ("open311_keys.index",), page="open311_keys.index"),
    Case("workdays.set_override", "note", "note", ("workdays.index",), page="workdays.index"),
    Case("organizations.new", "name", "formal_name", ("organizations.listing",)),
    Case("notification_admin.edit_template", "body", "subject",
         ("notification_admin.edit_template",)),
    Case("staff_inquiries.edit_reply_template", "body", "name",
         ("staff_inquiries.reply_template_list",)),
]

# POST routes without a typed text field of their own (one-button actions, uploads) or
# whose text goes through the same central check as a case above; the every-endpoint
# tests still send them the whole corpus.
NO_TEXT_FIELDS = {
    "auth.logout", "inquiries.forget", "staff_disclosures.submit", "staff_disclosures.approve",
    "staff_disclosures.publish", "staff_disclosures.upload", "staff_disclosures.remove_attachment",
    "staff_villages.submit", "staff_villages.mask", "staff_villages.finance",
    "staff_villages.attachments", "staff_villages.approve", "staff_consultations.publish",
    "staff_consultations.conclude", "staff_execution.publish",
    "staff_execution.complete_milestone", "staff_inquiries.sign", "staff_inquiries.process",
    "staff_inquiries.consult_end", "staff_inquiries.close", "staff_inquiries.abandon",
    "staff_inquiries.correction_received", "staff_inquiries.update_sla",
    "open311_keys.revoke", "workdays.remove_override", "workdays.unconfirm_year",
    "annual_report.export", "annual_report.finalize", "annual_report.submit",
    "inspection.supervise_village",
    "users.enable", "users.disable", "users.unlock", "users.reset_totp",
    "staff_disclosures.mask", "staff_disclosures.clear_suspected",
    "staff_disclosures.confirm_attachment", "staff_villages.confirm_attachment",
    "staff_villages.remove_attachment", "staff_villages.clear_suspected", "users.enrolment_code",
    "staff_inquiries.fee_notice", "staff_inquiries.fee_lapsed",
    "staff_disclosures.discard_revision",
    "organizations.deactivate", "organizations.activate",
    "notifications.stop", "messages.read_all", "messages.read_one",
    "notifications.sms_replies",  # the SMS provider's JSON push, refused when malformed
    "notification_admin.retry", "notification_admin.test",
    "users.add_grant", "users.remove_grant",  # a choice of role and unit; a button
    "open311.unrouted",  # GeoReport's 404/405 for unknown URLs: reads no field
    "staff_enforcement.publish",
    "staff_disputes.mediate",
}
# Text fields checked by the same ChineseForm / validation.text path as the cases above.
SAME_PATH = {
    "auth.login", "inquiries.track", "inquiries.rate", "inquiries.reopen", "inquiries.supplement",
    "staff_disclosures.reject", "staff_disclosures.withdraw", "staff_disclosures.approve_revision",
    "staff_disclosures.return_revision", "staff_villages.edit",
    "staff_villages.sign_off", "staff_villages.send_back", "staff_villages.withdraw",
    "staff_villages.set_rule", "staff_consultations.edit", "staff_consultations.outcome",
    "staff_consultations.adoption", "staff_consultations.decision",
    "staff_consultations.moderate", "staff_consultations.withdraw", "staff_execution.edit",
    "staff_execution.add_milestone", "staff_execution.withdraw", "staff_catalogue.edit",
    "staff_catalogue.edit_guide", "staff_inquiries.transfer", "staff_inquiries.return_",
    "staff_inquiries.correction", "staff_inquiries.consult", "staff_inquiries.extension",
    "staff_inquiries.extension_decision", "staff_inquiries.reply", "staff_inquiries.milestone",
    "staff_inquiries.refer", "staff_inquiries.fee_paid", "staff_inquiries.register",
    "staff_inquiries.correct_reply",
    "inspection.supervise_inquiry", "inspection.answer", "annual_report.save",
    "annual_report.reopen",
    "annual_report.add_appeal", "annual_report.update_appeal", "workdays.confirm_year",
    "open311.create_request",
    "auth.verify", "auth.enroll", "account.password", "account.enroll", "account.remove_totp",
    "users.new", "users.reset_password", "organizations.edit",
    "messages.settings",
    # 行政执法公示: validation.text for every text field (a future date, a duplicate 执法证号
    # and a wrong ID number are refused in tests/enforcement)
    "staff_enforcement.new_officer", "staff_enforcement.new_matter",
    "staff_enforcement.new_decision", "staff_enforcement.edit_decision",
    "staff_enforcement.revoke",
    # 矛盾纠纷排查化解: validation.text for the note and the result (a check dated in the
    # future, a second check of a day, a resolution before the dispute was found are
    # refused in tests/disputes)
    "staff_disputes.new_check", "staff_disputes.resolve", "staff_disputes.escalate",
    "staff_disputes.edit",
}


def test_every_form_is_covered(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    listed = {case.endpoint for case in CASES} | NO_TEXT_FIELDS | SAME_PATH
    assert not posts - listed, f"POST routes the bad-input corpus does not know: {posts - listed}"
    assert not listed - posts, f"listed but gone: {listed - posts}"


class Submitter:
    """Posts one case's form with a payload and reads the pages that show the result."""

    def __init__(self, app, case: Case, client_for, url_values):
        self.app, self.case = app, case
        self.client = client_for(case.endpoint)
        self.url_values, self.client_for = url_values, client_for

    def url(self, endpoint: str, latest: bool = False) -> str:
        rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == endpoint)
        values = self.url_values(rule)
        if latest and self.case.latest and self.case.latest[0] in values:
            values[self.case.latest[0]] = _latest_id(self.case.latest[1])
        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def values(self, **changes: str) -> dict[str, str]:
        action = self.url(self.case.endpoint)
        page = self.client.get(self.url(self.case.page or self.case.endpoint))
        assert page.status_code == 200, page.status_code
        return filled(form_for(page.get_data(as_text=True), action), **changes)

    def post(self, value: str, keep: str):
        changes = {self.case.field: value}
        if self.case.keep != self.case.field:
            changes[self.case.keep] = keep
        return self.client.post(self.url(self.case.endpoint), data=self.values(**changes))

    def post_bytes(self, raw: bytes, keep: str):
        values = self.values(**{self.case.keep: keep})
        values.pop(self.case.field, None)
        body = "&".join(f"{quote(k)}={quote(v)}" for k, v in values.items()).encode()
        body += b"&" + self.case.field.encode() + b"=" + raw
        return self.client.post(self.url(self.case.endpoint), data=body,
                                content_type="application/x-www-form-urlencoded")

    def shown(self) -> str:
        """The pages that show the saved text, as a person reads them (entities decoded),
        each also checked for runnable markup."""
        texts = []
        for endpoint in self.case.shows:
            response = self.client_for(endpoint).get(self.url(endpoint, latest=True))
            assert response.status_code == 200, (endpoint, response.status_code)
            page = response.get_data(as_text=True)
            assert runnable_markup(page) == [], endpoint
            texts.append(html.unescape(page))
        return "\n".join(texts)


def _saved(response) -> bool:
    """Saved: a redirect, or a receipt page (a resident's inquiry or comment); a form
    shown again because of errors answers 400."""
    return response.status_code in (200, 201, 302, 303)


def _refusal_problem(response, keep: str) -> str | None:
    page = response.get_data(as_text=True)
    if response.status_code != 400:
        return f"answered {response.status_code}, not 400"
    if not has_chinese(page):
        return "refused without a Chinese message"
    if keep not in html.unescape(page):
        return "the person's other input was lost"
    return summary_problem(page)


def summary_problem(page: str) -> str | None:
    """The summary atop a refused form (the macro kit's, templates/_macros.html) links
    each problem to a field on the page. A one-button action on a work-order page has no
    fields: its refusal is the flashed message atop the page."""
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    if summary is None:
        return None if 'class="flash flash-error"' in page else "no error summary atop the form"
    for target in re.findall(r'href="#([^"]+)"', summary.group(0)):
        if not re.search(rf'<(input|select|textarea)\b[^>]*\bid="{re.escape(target)}"', page):
            return f"the summary links to #{target}, which is no field on the page"
    return None


def _invisible(char: str) -> bool:
    return not char.isprintable() or "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069"


def check_round_trip(submit: Submitter) -> list[str]:
    text = f"{submit.case.field}{ASTRAL}"
    response = submit.post(text, keep="保留的内容")
    if not _saved(response):
        return [f"valid Chinese refused: {response.status_code}"]
    return [] if text in submit.shown() else ["astral Chinese did not come back exactly"]


def check_invisible_characters(submit: Submitter) -> list[str]:
    problems = []
    for name, payload in (("control", CONTROL), ("bidi", BIDI)):
        marker = f"标记{name}{submit.case.field}𪚥"
        response = submit.post(f"{marker}{payload}", keep=marker)
        keep = marker if submit.case.keep != submit.case.field else ""
        if submit.case.rich:
            visible = "".join(ch for ch in payload if not _invisible(ch))
            if not _saved(response):
                problems.append(f"{name}: rich text refused ({response.status_code})")
            elif marker + visible not in submit.shown():
                problems.append(f"{name}: rich text not stripped to its visible characters")
        else:
            if problem := _refusal_problem(response, keep=keep):
                problems.append(f"{name}: {problem}")
            if marker in submit.shown():
                problems.append(f"{name}: a refused submission was saved")
    return problems


def check_undecodable_bytes(submit: Submitter) -> list[str]:
    """Raw and %-escaped bytes that are not UTF-8, in a url-encoded body."""
    problems = []
    for name, raw in (("raw", INVALID_UTF8), ("escaped", quote(INVALID_UTF8).encode())):
        marker = f"编码{name}{submit.case.field}𠀀"
        response = submit.post_bytes(raw, keep=marker)
        keep = marker if submit.case.keep != submit.case.field else ""
        if problem := _refusal_problem(response, keep=keep):
            problems.append(f"{name} invalid UTF-8: {problem}")
        if marker in submit.shown():
            problems.append(f"{name} invalid UTF-8: a refused submission was saved")
    return problems


def check_length(submit: Submitter) -> list[str]:
    text = f"长{submit.case.field}" + LONG
    keep = "保留的内容" if submit.case.keep != submit.case.field else ""
    response = submit.post(text, keep="保留的内容")
    if _saved(response):
        return [] if text in submit.shown() else ["10,000 characters saved but not shown whole"]
    problem = _refusal_problem(response, keep=keep)
    if problem is None and "超过" not in response.get_data(as_text=True):
        problem = "refused without saying the text is too long"
    return [f"10,000 characters: {problem}"] if problem else []


def check_script(submit: Submitter) -> list[str]:
    """Every XSS and SQL payload: saved and shown as typed (plain text), refused with a
    message, or cleaned (rich text); never runnable on the pages that show it."""
    problems = []
    keep = "保留的内容" if submit.case.keep != submit.case.field else ""
    for number, payload in enumerate([*XSS, " ".join(SQL)]):
        text = f"脚本{number}{submit.case.field}{payload}"
        response = submit.post(text, keep="保留的内容")
        try:
            shown = submit.shown()
        except AssertionError as error:
            problems.append(f"payload {number}: runnable markup shown: {error}")
            continue
        if _saved(response) and not submit.case.rich and text.strip() not in shown:
            problems.append(f"payload {number}: plain text not shown as typed")
        elif not _saved(response) and (problem := _refusal_problem(response, keep=keep)):
            problems.append(f"payload {number}: {problem}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.endpoint}:{case.field}")
def test_form_with_bad_input(app, client_for, url_values, case):
    submit = Submitter(app, case, client_for, url_values)

    problems = [*check_round_trip(submit), *check_invisible_characters(submit),
                *check_undecodable_bytes(submit), *check_length(submit), *check_script(submit)]

    assert not problems, f"{case.endpoint} {case.field}:\n" + "\n".join(problems)


def _case(endpoint: str, field: str) -> Case:
    return next(c for c in CASES if (c.endpoint, c.field) == (endpoint, field))


@pytest.mark.parametrize("case, value", [
    (_case("staff_inquiries.new_opinion", "title"),
     "见 https://weibo.com/search?q=%E4%BD%8E%E4%BF%9D 的报道"),
    (_case("staff_disclosures.new", "body_html"),
     '<p>详见<a href="https://www.gov.cn/%E6%94%BF%E7%AD%96/">政策</a></p>'),
], ids=["opinion-title", "disclosure-body"])
def test_percent_encoded_links_are_text_not_broken_encoding(app, client_for, url_values,
                                                           case, value):
    """A pasted link keeps its %XX escapes: only bytes that were not UTF-8 are refused."""
    submit = Submitter(app, case, client_for, url_values)

    response = submit.post(value, keep="保留的内容")

    assert _saved(response), response.get_data(as_text=True)[:300]
    assert "%E4%BD%8E%E4%BF%9D" in submit.shown() or "%E6%94%BF%E7%AD%96" in submit.shown()
