"""Reply templates: admin-maintained wordings a handler inserts into a reply with one
click, with what the case already knows filled in.

The placeholders a template may use are the ones listed in PLACEHOLDERS (shown on the
template admin page); a template naming any other is refused when saved, so a typo cannot
reach a handler. What the case cannot fill (an anonymous resident's name, a unit without a
published phone number) stays as `{名称}`, and `portal.inquiries.replies` refuses to send
a reply still holding one. Dates in a reply are written as in a letter (GB/T 9704:
“2026年12月3日”).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal import audit, placeholders, validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.catalogue.queries import guide_for
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inquiries.models import Inquiry, InquiryType, ReplyTemplate
from portal.inquiries.workflow import handled_by
from portal.timeutil import letter_date, local_today

# name → what it is filled with (shown to admins and handlers).
PLACEHOLDERS: dict[str, str] = {
    "受理编号": "留言或申请的受理编号",
    "申请人称呼": "群众留下的姓名（匿名留言不填）",
    "留言标题": "群众填写的标题",
    "单位": "办理单位全称",
    "联系电话": "办理单位公开指南中的联系电话（本单位未填写的，取上级单位的）",
    "受理日期": "受理日期",
    "答复期限": "当前的答复期限",
    "答复日期": "今天的日期",
}
MAX_BODY = 5000


def _public_phone(inquiry: Inquiry) -> str:
    node = inquiry.organization
    while node is not None:
        guide = guide_for(node)
        if guide is not None and guide.phone.strip():
            return guide.phone.strip()
        node = node.parent
    return ""


def values_for(inquiry: Inquiry) -> dict[str, str]:
    """What each placeholder becomes for this case; empty when the case does not know."""
    return {
        "受理编号": inquiry.number,
        "申请人称呼": inquiry.contact_name.strip(),
        "留言标题": inquiry.title,
        "单位": inquiry.organization.publisher_name,
        "联系电话": _public_phone(inquiry),
        "受理日期": letter_date(inquiry.received_at),
        "答复期限": letter_date(inquiry.reply_due_at),
        "答复日期": letter_date(local_today()),
    }


def templates_for(inquiry_type: InquiryType) -> list[ReplyTemplate]:
    return list(db.session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.inquiry_type == inquiry_type).order_by(ReplyTemplate.id)))


@dataclass(frozen=True)
class Offer:
    """A template as a handler inserts it into this case's reply."""

    template: ReplyTemplate
    text: str


def offers_for(inquiry: Inquiry) -> list[Offer]:
    """The templates of the case's type, filled from the case (for the reply form)."""
    templates = templates_for(inquiry.type)
    if not templates:
        return []
    values = values_for(inquiry)
    return [Offer(t, placeholders.fill(t.body, values)) for t in templates]


def insert(actor, inquiry_id: int, template_id: int, text: str) -> str:
    """The reply text with a template appended (filled from the case), for the form to show
    again; nothing is saved. Requires `handler` on the case. Raises PermissionDenied, or
    NotFound for a template not offered for the case's type."""
    inquiry = handled_by(actor, inquiry_id, "inquiry.reply")
    offer = next((o for o in offers_for(inquiry) if o.template.id == template_id), None)
    if offer is None:
        raise NotFound("找不到该答复模板。")
    text = (text or "").rstrip()
    return f"{text}\n\n{offer.text}" if text else offer.text


# --- the admin page ----------------------------------------------------------------------

def require_manager(actor) -> None:
    """Admins maintain the templates. Raises PermissionDenied (audited) for others."""
    require(actor, Role.ADMIN, None, action="reply_template.view")


def list_templates(actor) -> list[ReplyTemplate]:
    """Every template, by type. Requires `admin`."""
    require_manager(actor)
    return list(db.session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.inquiry_type,
                                                                  ReplyTemplate.id)))


def get_template(actor, template_id: int) -> ReplyTemplate:
    """One template, for editing. Requires `admin`. Raises PermissionDenied, NotFound."""
    require_manager(actor)
    template = db.session.get(ReplyTemplate, template_id)
    if template is None:
        raise NotFound("找不到该答复模板。")
    return template


def save_template(actor, template_id: int | None, inquiry_type: str, name: str,
                  body: str) -> ReplyTemplate:
    """Create (template_id None) or change a template. Requires `admin`. Raises
    PermissionDenied, NotFound, or ValidationError (no such type, empty or over-long name
    or body, a placeholder not in PLACEHOLDERS, an unpaired brace); nothing is saved then."""
    template = get_template(actor, template_id) if template_id is not None else None
    if inquiry_type not in {t.value for t in InquiryType if t.is_public}:
        raise ValidationError("请选择留言类型。", field="inquiry_type")
    name = validation.text(name, field="name", label="模板名称", max_length=60)
    body = validation.text(body, field="body", label="模板内容", max_length=MAX_BODY,
                           multiline=True)
    placeholders.require_known(body, PLACEHOLDERS, where="答复模板")
    before = None
    if template is None:
        template = ReplyTemplate(inquiry_type=InquiryType(inquiry_type), name=name, body=body)
        db.session.add(template)
    else:
        before = {"type": template.inquiry_type.value, "name": template.name,
                  "body": template.body}
        template.inquiry_type, template.name, template.body = (InquiryType(inquiry_type),
                                                               name, body)
    db.session.flush()
    audit.record(actor, "reply_template.save", template, before=before,
                 after={"type": inquiry_type, "name": name, "body": body})
    db.session.commit()
    return template
