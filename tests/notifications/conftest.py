"""A real SMTP server (aiosmtpd) and a stand-in for Aliyun's SendSms on loopback."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.inquiries.conftest import (  # noqa: F401 (fixtures)
    application_input,
    handlers,
    inquiry_input,
    submit,
)

SMS_KEY_ID, SMS_SECRET = "LTAI-test-key", "test-secret"


class Mailbox:
    """What the SMTP server accepted; `hold` makes it wait before answering DATA."""

    def __init__(self):
        self.messages = []
        self.hold = None  # threading.Event to wait on in handle_DATA
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.arrived.set()
        if self.hold is not None:
            import asyncio

            while not self.hold.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    with socket.socket() as probe:  # aiosmtpd checks its own port, so it must be known
        probe.bind(("127.0.0.1", 0))
        mailbox.port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    yield mailbox
    if mailbox.hold is not None:
        mailbox.hold.set()
    controller.stop()


def _percent(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


class AliyunStandIn(BaseHTTPRequestHandler):
    """SendSms as Aliyun documents it: checks the signature and the parameters, answers
    {"Code": "OK", "BizId": …} or an error code."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        server = self.server
        signature = fields.pop("Signature", "")
        query = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(fields.items()))
        expected = base64.b64encode(hmac.new(
            f"{SMS_SECRET}&".encode(), f"POST&%2F&{_percent(query)}".encode(),
            hashlib.sha1).digest()).decode()
        if fields.get("AccessKeyId") != SMS_KEY_ID or signature != expected:
            answer = {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not"
                      " matched with our calculation.", "RequestId": "r"}
        elif server.next_codes:
            answer = {"Code": server.next_codes.pop(0), "Message": "error", "RequestId": "r"}
        elif not (fields["PhoneNumbers"].isdigit() and len(fields["PhoneNumbers"]) == 11):
            answer = {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "invalid", "RequestId": "r"}
        else:
            server.sent.append({"phone": fields["PhoneNumbers"], "sign": fields["SignName"],
                                "template": fields["TemplateCode"],
                                "params": json.loads(fields["TemplateParam"]),
                                "action": fields["Action"], "version": fields["Version"]})
            answer = {"Code": "OK", "Message": "OK", "BizId": f"{len(server.sent)}^0",
                      "RequestId": "r"}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), AliyunStandIn)
    server.sent, server.next_codes = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(app_config, smtp_server, sms_server):
    return {**app_config, "NOTIFY_SMTP_HOST": "127.0.0.1", "NOTIFY_SMTP_PORT": smtp_server.port,
            "NOTIFY_MAIL_FROM": "gk@example.gov.cn", "NOTIFY_SMTP_TIMEOUT_SECONDS": 5,
            "SMS_PROVIDER": "aliyun", "SMS_ENDPOINT": sms_server.url,
            "SMS_ACCESS_KEY_ID": SMS_KEY_ID, "SMS_ACCESS_KEY_SECRET": SMS_SECRET,
            "SMS_SIGN_NAME": "民权县政务公开", "SITE_URL": "https://gk.example.gov.cn"}
