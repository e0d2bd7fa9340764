"""Domain errors raised by services, and the handlers that turn them into pages.

Services raise these with a Chinese message meant for the person at the screen; the
handler rolls back the unit of work, records denials in the audit log and renders the
message with the matching status code.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A refusal with a message for the person at the screen.

    `audit_action` marks attempts worth recording even though they failed (a disguised
    upload, a forged token); permission denials are always recorded.
    """

    status = 400

    def __init__(self, message: str, *, field: str | None = None,
                 audit_action: str | None = None, target: object | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.action = audit_action or ""
        self.target = target

    @property
    def audited(self) -> bool:
        return bool(self.action)


class ValidationError(DomainError):
    status = 400


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The object is not in a state that allows the operation."""

    status = 409


class PayloadTooLarge(DomainError):
    status = 413

    def __init__(self, message: str, *, target: object | None = None):
        super().__init__(message, audit_action="upload.too_large", target=target)


class PermissionDenied(DomainError):
    status = 403

    def __init__(self, message: str = "您没有执行此操作的权限。", *, action: str = "",
                 target: object | None = None, actor: object | None = None):
        super().__init__(message, audit_action=action or "permission.denied", target=target)
        self.actor = actor


class InvalidTransition(Conflict):
    def __init__(self, current: str, wanted: str):
        super().__init__(f"当前状态为“{current}”，不能执行“{wanted}”。")


HTTP_MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请返回上一页检查后重试。"),
    403: ("无权访问", "您没有访问此页面的权限。如需权限，请联系本单位管理员。"),
    404: ("页面不存在", "您要找的页面不存在或已被撤下，请从首页重新查找。"),
    405: ("请求方式不正确", "此页面不接受这种请求方式，请返回上一页重试。"),
    409: ("操作冲突", "该内容的状态已经改变，请刷新页面后重试。"),
    413: ("上传内容过大", "上传的文件超过了大小限制，请压缩或拆分后重新上传。"),
    429: ("请求过于频繁", "您的操作过于频繁，请稍等几分钟后再试。"),
    500: ("系统繁忙", "服务器暂时出现问题，请稍后再试。问题已记录，我们会尽快处理。"),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, message: str | None = None):
    title, default = HTTP_MESSAGES.get(status, HTTP_MESSAGES[500])
    text = message or default
    if wants_json():
        return jsonify(error=title, message=text), status
    if request_ctx.url_adapter is None:  # an untrusted Host: no links can be built
        return Response(f"{title}：{text}\n", status, mimetype="text/plain")
    return render_template("errors/error.html", status=status, title=title, message=text), status


def note_refusal(error: DomainError) -> None:
    """Undo the refused unit of work, then record the attempt if it is worth auditing.

    Used by the error handler and by views that show the refusal on their own form.
    """
    from portal.audit.services import record_failure
    from portal.extensions import db

    db.session.rollback()
    record_failure(error)


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from portal.extensions import db

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        note_refusal(error)
        return render_error(error.status, error.message)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        message = "表单已过期或来源无法确认，请刷新页面后重新提交。"
        note_refusal(PermissionDenied(message, action="csrf.reject"))
        return render_error(400, message)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if error.code == 413:
            note_refusal(PayloadTooLarge("上传内容超过大小限制。"))
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
