"""Aliyun SMS (阿里云短信服务) SendSms, API version 2017-05-25, RPC style.

The request is a form POST of the common parameters (AccessKeyId, Action, Format,
RegionId, SignatureMethod=HMAC-SHA1, SignatureNonce, SignatureVersion=1.0, Timestamp,
Version) and the action's own (PhoneNumbers, SignName, TemplateCode, TemplateParam as
JSON), signed: StringToSign = "POST&%2F&" + percent-encoded sorted query string; the
signature is Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)). The answer is JSON
{"Code": "OK", "Message": "OK", "BizId": …, "RequestId": …} or an error code such as
isv.MOBILE_NUMBER_ILLEGAL or isv.BUSINESS_LIMIT_CONTROL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime

# Codes a retry cannot fix: the number, the template, the signature or the account.
PERMANENT = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
             "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_PARAMETERS",
             "isv.AMOUNT_NOT_ENOUGH", "isv.ACCOUNT_NOT_EXISTS", "isv.DENY_IP_RANGE",
             "isv.BLACK_KEY_CONTROL_LIMIT", "InvalidAccessKeyId.NotFound",
             "SignatureDoesNotMatch"}
REASONS = {"isv.MOBILE_NUMBER_ILLEGAL": "手机号码格式错误",
           "isv.BUSINESS_LIMIT_CONTROL": "触发服务商的发送频率限制",
           "isv.SMS_TEMPLATE_ILLEGAL": "短信模板不存在或未审核通过",
           "isv.SMS_SIGNATURE_ILLEGAL": "短信签名不存在或未审核通过",
           "isv.TEMPLATE_MISSING_PARAMETERS": "模板参数缺失",
           "isv.AMOUNT_NOT_ENOUGH": "短信账户余额不足",
           "SignatureDoesNotMatch": "接口签名不正确（检查 AccessKey Secret）",
           "InvalidAccessKeyId.NotFound": "AccessKey ID 不存在"}


@dataclass(frozen=True)
class Result:
    ok: bool
    code: str
    reason: str = ""
    permanent: bool = False
    biz_id: str = ""


def percent_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def sign(params: dict[str, str], secret: str, method: str = "POST") -> str:
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def request_parameters(*, access_key_id: str, access_key_secret: str, sign_name: str,
                       phone: str, template_code: str, params: dict[str, str]) -> dict:
    """The signed form of one SendSms call."""
    fields = {
        "AccessKeyId": access_key_id, "Action": "SendSms", "Format": "JSON",
        "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": secrets.token_hex(16), "SignatureVersion": "1.0",
        # The real wall clock, not the portal's: Aliyun refuses a signature whose
        # timestamp is off by more than a few minutes.
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25", "PhoneNumbers": phone, "SignName": sign_name,
        "TemplateCode": template_code,
        "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
    }
    fields["Signature"] = sign(fields, access_key_secret)
    return fields


def send(*, endpoint: str, timeout: int, **call) -> Result:
    """POST one SendSms; a network failure or a 5xx is a retryable Result."""
    if not endpoint.startswith(("https://", "http://")):
        return Result(False, "config", "短信接口地址应以 https:// 开头", permanent=True)
    body = urllib.parse.urlencode(request_parameters(**call)).encode()
    req = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # nosec B310
            answer = json.loads(response.read().decode() or "{}")
    except urllib.error.HTTPError as error:
        try:
            answer = json.loads(error.read().decode() or "{}")
        except ValueError:
            return Result(False, str(error.code), "短信接口返回了无法识别的应答",
                          permanent=False)
    except (OSError, ValueError):
        return Result(False, "network", "无法连接短信接口，稍后重试")
    code = str(answer.get("Code", ""))
    if code == "OK":
        return Result(True, code, biz_id=str(answer.get("BizId", "")))
    return Result(False, code or "unknown", REASONS.get(code, "服务商拒绝发送"),
                  permanent=code in PERMANENT)
