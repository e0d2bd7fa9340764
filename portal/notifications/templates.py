"""What each kind of message says, with the placeholders it may use.

The wording is code's default until an admin edits it (`TemplateOverride`); an edit is
refused when it names a placeholder the kind does not provide, so a message can never
fail at sending time for a typo in its template. SMS never carries the content of a
reply: residents get a link to the tracking page. For SMS the "subject" is the template
code registered with the provider (阿里云短信模板 CODE) and the body the text as
registered, whose placeholders become the provider's template parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal import placeholders
from portal.extensions import db
from portal.notifications.models import Channel, TemplateOverride


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    audience: str  # staff / resident / inspector
    fields: tuple[str, ...]
    subject: str
    body: str
    sms: str  # SMS text (short, no content)


CASE = ("number", "title", "organization", "due", "url")
MILESTONE = (*CASE, "milestone")
DATED = ("title", "organization", "due", "url")
KINDS: dict[str, Kind] = {kind.key: kind for kind in (
    Kind("assigned", "新交办或转办的案件", "staff", CASE, "【待签收】{number} {title}",
         "{organization}收到新的待办案件 {number}《{title}》，请于 {due} 前签收：{url}",
         "您有新的待办案件{number}，请于{due}前签收。"),
    Kind("sign_due_soon", "签收即将到期", "staff", CASE, "【签收临期】{number}",
         "案件 {number}《{title}》签收期限为 {due}，尚未签收：{url}",
         "案件{number}签收期限{due}，请及时签收。"),
    Kind("reply_due_soon", "答复即将到期（黄色）", "staff", CASE, "【黄牌·临期】{number}",
         "案件 {number}《{title}》答复期限为 {due}，还剩不到 2 个工作日：{url}",
         "案件{number}答复期限{due}，请及时办理。"),
    Kind("overdue", "答复已超期（红色）", "staff", CASE, "【红牌·超期】{number}",
         "案件 {number}《{title}》答复期限 {due} 已过，尚未答复：{url}",
         "案件{number}答复已超期（期限{due}）。"),
    Kind("overdue_head", "超期提醒单位负责人", "staff", CASE, "【超期督促】{number}",
         "{organization}的案件 {number}《{title}》答复期限 {due} 已过，请督促办理：{url}",
         "{organization}案件{number}已超期，请督促办理。"),
    Kind("overdue_inspector", "超期提请纪检监督", "inspector", CASE, "【超期提请监督】{number}",
         "{organization}的案件 {number}《{title}》答复期限 {due} 已过多日仍未答复：{url}",
         "{organization}案件{number}超期未答复。"),
    Kind("review_waiting", "待审核超过 2 个工作日", "staff", ("title", "organization", "url"),
         "【待审核】{title}", "《{title}》（{organization}）等待审核已超过 2 个工作日：{url}",
         "有待审核事项超过2个工作日。"),
    Kind("supervision_issued", "收到督办", "staff", CASE, "【督办】{number}",
         "纪检监督人员对 {number}《{title}》发出督办，请于 {due} 前答复：{url}",
         "您收到督办{number}，请于{due}前答复。"),
    Kind("posting_due", "村务按期公开到期", "staff", ("title", "organization", "due", "url"),
         "【村务公开到期】{organization}", "{organization}的“{title}”应于 {due} 前公开：{url}",
         "{organization}村务公开{title}应于{due}前公开。"),
    Kind("supervision_due", "督办答复即将到期", "staff", CASE, "【督办临期】{number}",
         "督办 {number}《{title}》应于 {due} 前答复，尚未答复：{url}",
         "督办{number}应于{due}前答复。"),
    Kind("posting_missed", "村务按期公开已逾期", "staff", DATED, "【村务公开逾期】{organization}",
         "{organization}的“{title}”应于 {due} 前公开，至今未公开：{url}",
         "{organization}村务公开{title}已逾期（应于{due}前）。"),
    Kind("enforcement_publish_due", "执法决定公示即将到期", "staff", DATED,
         "【执法决定待公示】{title}",
         "{organization}的执法决定“{title}”应于 {due} 前公示（决定之日起 7 个工作日），"
         "尚未公示：{url}",
         "执法决定{title}应于{due}前公示。"),
    Kind("dispute_check_missing", "村日摸排漏报", "staff", DATED,
         "【日摸排漏报】{organization}",
         "{organization}{due} 的矛盾纠纷日摸排（含零报告）未报送：{url}",
         "{organization}{due}日摸排未报送。"),
    Kind("consultation_closing", "征求意见即将截止", "staff", DATED,
         "【征求意见临近截止】{title}",
         "《{title}》征求意见将于 {due} 截止，请准备汇总意见和采纳情况：{url}",
         "征求意见{title}将于{due}截止。"),
    Kind("opinion_milestone", "舆情回应节点临近（1 小时内）", "staff", MILESTONE,
         "【舆情·临近】{number} {milestone}",
         "舆情 {number}《{title}》应于 {due} 前{milestone}：{url}",
         "舆情{number}应于{due}前{milestone}。"),
    Kind("opinion_overdue", "舆情回应节点已超时", "staff", MILESTONE,
         "【舆情·超时】{number} {milestone}",
         "舆情 {number}《{title}》应于 {due} 前{milestone}，已超时：{url}",
         "舆情{number}{milestone}已超时（应于{due}前）。"),
    Kind("daily_digest", "每日待办汇总", "staff", ("count", "items", "url"),
         "【每日待办】{count} 项等待处理", "{items}\n工作台：{url}", "您有{count}项待办事项。"),
    Kind("resident_received", "群众：已受理", "resident", ("number", "url", "stop_url"),
         "您的留言已受理（受理编号 {number}）",
         "您的留言已受理，受理编号 {number}。凭查询码可在 {url} 查看办理进度。\n"
         "不再接收通知：{stop_url}", "您的留言已受理，受理编号{number}。"),
    Kind("resident_correction", "群众：请补正", "resident", ("number", "url", "stop_url"),
         "您的留言需要补正（{number}）",
         "您的留言 {number} 需要补正材料，请凭查询码在 {url} 查看并补正。\n"
         "不再接收通知：{stop_url}",
         "您的留言{number}需要补正，请凭查询码查看。"),
    Kind("resident_extended", "群众：延期", "resident", ("number", "due", "url", "stop_url"),
         "您的留言答复期限已延长（{number}）",
         "您的留言 {number} 答复期限延长至 {due}。详情见 {url}\n不再接收通知：{stop_url}",
         "您的留言{number}答复期限延长至{due}。"),
    Kind("resident_replied", "群众：已答复", "resident", ("number", "url", "stop_url"),
         "您的留言已答复（{number}）",
         "您的留言 {number} 已答复，请凭查询码在 {url} 查看。\n不再接收通知：{stop_url}",
         "您的留言{number}已答复，请凭查询码登录网站查看。"),
    Kind("resident_fee", "群众：收费通知", "resident",
         ("number", "amount", "due", "url", "stop_url"),
         "您的申请需缴纳信息处理费（{number}）",
         "您的申请 {number} 需缴纳信息处理费 {amount} 元，请于 {due} 前缴纳，逾期视为放弃申请。"
         "收费通知见 {url}\n不再接收通知：{stop_url}",
         "您的申请{number}需于{due}前缴纳信息处理费{amount}元，逾期视为放弃。"),
    Kind("resident_abandon_warning", "群众：补正或缴费即将到期", "resident",
         ("number", "what", "due", "url", "stop_url"), "您的申请需在 {due} 前{what}（{number}）",
         "您的申请 {number} 需在 {due} 前{what}，逾期视为放弃申请。请凭查询码在 {url} 查看。\n"
         "不再接收通知：{stop_url}", "您的申请{number}需在{due}前{what}，逾期视为放弃。"),
    Kind("weekly_digest", "每周汇总：超期与未答复督办", "inspector", ("count", "items", "url"),
         "【每周汇总】超期案件与未答复督办 {count} 件", "{items}\n详情：{url}",
         "本周超期案件与未答复督办共{count}件。"),
    Kind("test", "测试消息", "staff", ("url",), "【测试】政务公开门户通知",
         "这是一条测试消息，收到即表示通知渠道工作正常。{url}", "政务公开门户测试短信。"),
)}


def check(kind: Kind, *texts: str) -> None:
    """Refuse a wording that names a placeholder the kind does not provide."""
    for text in texts:
        placeholders.require_known(text, kind.fields, where=f"“{kind.label}”")


def wording(kind_key: str, channel: Channel) -> tuple[str, str]:
    """(subject, body) for a kind on a channel: the admin's override, else the default."""
    kind = KINDS[kind_key]
    override = db.session.scalar(select(TemplateOverride).where(
        TemplateOverride.kind == kind_key, TemplateOverride.channel == channel))
    if override is not None:
        return override.subject, override.body
    if channel is Channel.SMS:
        return f"SMS_{kind_key.upper()}", kind.sms
    return kind.subject, kind.body


class _Strict(dict):
    def __missing__(self, key):
        raise KeyError(key)


def render(kind_key: str, channel: Channel, data: dict) -> tuple[str, str]:
    """The subject and body of a message. Raises KeyError for a missing value."""
    subject, body = wording(kind_key, channel)
    values = _Strict({key: str(value) for key, value in data.items()})
    if channel is Channel.SMS:
        return subject, body.format_map(values)
    return subject.format_map(values), body.format_map(values)
