"""Applications received on paper or by fax or email, registered by staff (条例第三十一条).

The legal date of receipt, which starts the clock, depends on the channel:
- 当面提交: the day the applicant hands it in;
- 邮寄（挂号信、特快专递等需签收的）: the day the office signs for it;
- 平信邮寄, 传真, 电子邮件 (and the online form): the day both sides confirm receipt.

Staff enter the channel and that date; the work order is then exactly what an online
application is — the same clocks from that day (开始的当日不计入), the same applicant
fields for table 三 of the annual report — with a tracking code printed on the receipt
handed or sent to the applicant. The date may not lie in the future, nor before the
application could have been made (more than a year back): a wrong date would move a
legal deadline.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from portal import validation
from portal.auth.models import Role
from portal.auth.permissions import require
from portal.errors import ValidationError
from portal.inquiries import submission
from portal.inquiries.models import InquiryType
from portal.timeutil import LOCAL_TZ, local_now, local_today

MAX_AGE = timedelta(days=366)


class Channel(enum.StrEnum):
    ONLINE = "online"
    OPEN311 = "open311"
    IN_PERSON = "in_person"
    POST_SIGNED = "post_signed"
    POST_ORDINARY = "post_ordinary"
    FAX = "fax"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return CHANNELS[self][0]

    @property
    def receipt_rule(self) -> str:
        return CHANNELS[self][1]


CHANNELS = {
    Channel.ONLINE: ("网站在线提交", "双方确认之日（提交成功即确认）"),
    Channel.OPEN311: ("接口转入（12345 热线等）", "双方确认之日（接口受理即确认）"),
    Channel.IN_PERSON: ("当面提交", "提交之日"),
    Channel.POST_SIGNED: ("邮寄（挂号信、特快专递等需签收）", "签收之日"),
    Channel.POST_ORDINARY: ("平信邮寄", "双方确认之日"),
    Channel.FAX: ("传真", "双方确认之日"),
    Channel.EMAIL: ("电子邮件", "双方确认之日"),
}
STAFF_CHANNELS = (Channel.IN_PERSON, Channel.POST_SIGNED, Channel.POST_ORDINARY, Channel.FAX,
                  Channel.EMAIL)


@dataclass
class Registration:
    channel: str
    received_on: date | None
    data: submission.InquiryInput


def _channel(value: str) -> Channel:
    try:
        channel = Channel(value)
    except ValueError:
        channel = None
    if channel not in STAFF_CHANNELS:
        raise ValidationError("请选择收到申请的渠道（当面、邮寄、传真或电子邮件）。",
                              field="channel")
    return channel


def _receipt_moment(channel: Channel, received_on: date | None) -> datetime:
    """The legal date of receipt as a moment: now when it is today, else 09:00 that day."""
    if received_on is None:
        raise ValidationError(f"请填写收到申请的日期（{channel.label}以{channel.receipt_rule}"
                              "为收到申请之日，《政府信息公开条例》第三十一条）。",
                              field="received_on")
    today = local_today()
    if received_on > today:
        raise ValidationError("收到申请的日期不能晚于今天。", field="received_on")
    if received_on < today - MAX_AGE:
        raise ValidationError("收到申请的日期不能早于一年前；更早收到的申请请联系系统管理员。",
                              field="received_on")
    if received_on == today:
        return local_now()
    return datetime.combine(received_on, time(9, 0), tzinfo=LOCAL_TZ)


def register(actor, registration: Registration) -> submission.Receipt:
    """Register an application received in person, by post, fax or email. Requires
    `handler` on the receiving organization. The clock starts from the legal date of
    receipt of the channel. Returns the receipt with the applicant's tracking code.
    Raises PermissionDenied, or ValidationError (FieldErrors for several problems;
    nothing saved)."""
    data = registration.data
    require(actor, Role.HANDLER, data.organization, action="inquiry.register",
            target=data.organization)
    if data.type is not InquiryType.INFO_REQUEST:
        raise ValidationError("工作人员登记的是政府信息公开申请。", field="type")
    found = validation.Problems()
    channel = found.check(_channel, registration.channel)
    moment = found.check(_receipt_moment, channel, registration.received_on) if channel else None
    for error in submission.problems(data).errors:
        if error.field == "place":  # staff pick the receiving body, not a place
            error.field = "organization"
        found.add(error)
    found.raise_any()
    note = (f"收到方式：{channel.label}，以{channel.receipt_rule}"
            f"（{registration.received_on.isoformat()}）为收到申请之日。")
    return submission.receive(data, f"staff:{actor.id}:{secrets.token_hex(16)}",
                              submission.Intake(channel.value, moment, actor, note))
