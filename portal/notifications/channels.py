"""Sending one rendered message: email over SMTP, SMS through the provider adapter.

A failure raises `DeliveryError` with a Chinese reason for the delivery log and whether a
retry can help (an unreachable server can; an invalid number cannot). Neither the
address nor the body ever goes into a log line or an error message.
"""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app

from portal.notifications import aliyun_sms

MOBILE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason[:500]
        self.permanent = permanent


def send_email(address: str, subject: str, body: str, message_id: str, sent_at,
               unsubscribe_url: str = "") -> None:
    """Hand one message to the configured SMTP server. Raises DeliveryError. A message
    with an `unsubscribe_url` (the resident's stop link) says so in List-Unsubscribe, with
    one-click unsubscription (RFC 2369, RFC 8058), so the mail client's own button works."""
    config = current_app.config
    host = config["NOTIFY_SMTP_HOST"]
    if not host:
        raise DeliveryError("未配置邮件服务器（PORTAL_NOTIFY_SMTP_HOST），邮件未发送。")
    if not EMAIL.match(address or ""):
        raise DeliveryError("邮箱地址格式不正确，无法发送。", permanent=True)
    message = EmailMessage()
    message["From"] = config["NOTIFY_MAIL_FROM"]
    message["To"] = address
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(sent_at)
    if unsubscribe_url.startswith(("https://", "http://")):
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(body)
    try:
        with smtplib.SMTP(host, int(config["NOTIFY_SMTP_PORT"]),
                          timeout=int(config["NOTIFY_SMTP_TIMEOUT_SECONDS"])) as smtp:
            if config["NOTIFY_SMTP_STARTTLS"]:
                smtp.starttls()
            if config["NOTIFY_SMTP_USER"]:
                smtp.login(config["NOTIFY_SMTP_USER"], config["NOTIFY_SMTP_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryError("邮件服务器拒收该收件地址。", permanent=True) from None
    except smtplib.SMTPResponseException as error:
        permanent = 500 <= error.smtp_code < 600
        raise DeliveryError(f"邮件服务器拒绝发送（{error.smtp_code}）。",
                            permanent=permanent) from None
    except (OSError, smtplib.SMTPException):
        raise DeliveryError("无法连接邮件服务器或连接中断，稍后重试。") from None


def send_sms(mobile: str, template_code: str, params: dict[str, str]) -> None:
    """Send one SMS through the configured provider. Raises DeliveryError."""
    config = current_app.config
    if config["SMS_PROVIDER"] != "aliyun":
        raise DeliveryError("未配置短信服务（PORTAL_SMS_PROVIDER），短信未发送。")
    if not MOBILE.match(mobile or ""):
        raise DeliveryError("手机号码格式不正确（应为 11 位大陆手机号），无法发送短信。",
                            permanent=True)
    result = aliyun_sms.send(
        endpoint=config["SMS_ENDPOINT"], access_key_id=config["SMS_ACCESS_KEY_ID"],
        access_key_secret=config["SMS_ACCESS_KEY_SECRET"], sign_name=config["SMS_SIGN_NAME"],
        phone=mobile, template_code=template_code, params=params,
        timeout=int(config["NOTIFY_SMTP_TIMEOUT_SECONDS"]))
    if result.ok:
        return
    raise DeliveryError(f"短信服务商返回错误 {result.code}：{result.reason}",
                        permanent=result.permanent)
