"""The HTTP side of errors: the handlers that turn domain errors (`portal.errors`),
HTTP exceptions and unexpected failures into pages or JSON with the matching status, a
Chinese message, the undone unit of work and, for denials, an audit record.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException

from portal.errors import (
    TOO_MANY_REQUESTS,
    DomainError,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
)

HTTP_MESSAGES = {
    400: ("请求有误", "提交的内容无法处理，请返回上一页检查后重试。"),
    403: ("无权访问", "您没有访问此页面的权限。如需权限，请联系本单位管理员。"),
    404: ("页面不存在", "您要找的页面不存在或已被撤下，请从首页重新查找。"),
    405: ("请求方式不正确", "此页面不接受这种请求方式，请返回上一页重试。"),
    409: ("操作冲突", "该内容的状态已经改变，请刷新页面后重试。"),
    413: ("提交内容过大", "提交的内容超过了大小限制，请删减、压缩或拆分后重新提交。"),
    429: ("请求过于频繁", TOO_MANY_REQUESTS),
    500: ("系统繁忙", "服务器暂时出现问题，请稍后再试。问题已记录，我们会尽快处理。"),
    # The work may have committed just before the connection failed (PostgreSQL restart):
    # say "may not", and let the forms' one-time tokens make a resubmission safe.
    503: ("系统繁忙",
          "当前访问人数较多或数据库暂时无法连接，您的操作可能没有完成。请稍等片刻后重新提交。"),
    507: ("存储空间不足", "服务器存储空间不足，文件没有保存。请稍后再试，或联系网站管理员。"),
}
# Seconds a client is asked to wait after a 503 (database busy or unreachable).
RETRY_AFTER_SECONDS = 5
# Shown when even the error page cannot be rendered (its layout reads the signed-in user).
BARE_PAGE = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">"
             "<title>{title}</title><h1>{title}</h1><p>{message}</p></html>")


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


def is_database_unavailable(error: Exception) -> bool:
    """Whether `error` means the database could not serve this request right now: SQLite
    busy past its timeout, a PostgreSQL lock timeout, deadlock or lost connection, a full
    connection pool. The request's work was not committed, so retrying is safe.

    So is SQLAlchemy's refusal to go on with a transaction whose connection was lost
    (PendingRollbackError, raised while that loss was being handled, e.g. by a commit in
    a `finally`); without a lost connection behind it, it is a defect (500)."""
    from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(error, OperationalError | PoolTimeout):
        return True
    if isinstance(error, PendingRollbackError):
        cause = error.__cause__ or error.__context__
        return cause is not None and is_database_unavailable(cause)
    return isinstance(error, DBAPIError) and error.connection_invalidated


def render_unavailable():
    """503 with Retry-After. Rendering must not fail again on the same database: if the
    page layout cannot be drawn (it may look up the signed-in user), a bare page is sent."""
    title, text = HTTP_MESSAGES[503]
    try:
        response = make_response(render_error(503))
    except Exception:
        response = make_response(BARE_PAGE.format(title=title, message=text), 503)
        response.mimetype = "text/html"
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


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
            from portal.bodylimit import refusal

            message, action = refusal(error)
            note_refusal(PayloadTooLarge(message, action=action))
            return render_error(413, message)
        message = None
        if error.code == 429:
            note_refusal(RateLimited())
            message = _rate_limited_message(error)
        response = make_response(render_error(error.code or 500, message))
        for name, value in error.get_headers():
            if name in ("Allow", "Retry-After"):  # a 405 names the methods (RFC 9110)
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if is_database_unavailable(error):
            app.logger.warning("database unavailable on %s %s: %s", request.method,
                               request.path, error)
            _rollback_quietly(db)
            return render_unavailable()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)


def _rate_limited_message(error: HTTPException) -> str | None:
    """When the client may try again, as its Retry-After says: the one the exception
    carries (a submission form's limit) or the one Flask-Limiter is about to send."""
    from portal.ratelimit import retry_after, wait_phrase

    given = dict(error.get_headers()).get("Retry-After")
    seconds = int(given) if given and given.isdigit() else retry_after()
    return f"您的操作过于频繁，请{wait_phrase(seconds)}再试。" if seconds else None


def _rollback_quietly(db) -> None:
    """Roll back the failed unit of work; on a lost connection that may fail too."""
    try:
        db.session.rollback()
    except Exception:
        db.session.close()
