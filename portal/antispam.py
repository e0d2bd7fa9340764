"""Honeypot check shared by the public forms residents fill in without an account."""

from portal.errors import ValidationError

HONEYPOT_FIELD = "website"


def check_honeypot(value: str | None) -> None:
    """A hidden field people never see and bots fill in. Raises ValidationError (audited)."""
    if value:
        raise ValidationError("提交未成功。请不要使用自动填表工具，刷新页面后重新填写。",
                              audit_action="antispam.honeypot")
