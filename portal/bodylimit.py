"""How large a request body may be, per route, decided before anything reads it.

A sync worker that reads a body is held for as long as the body takes to arrive and to be
parsed, so the limit is set by the first `before_request` hook — ahead of the rate
limiter's count, the CSRF check (which reads the form) and the access policy — through
Flask's per-request `request.max_content_length` and `max_form_memory_size`:

- Every form: FORM_MAX_BYTES (256 KB). A resident's longest form (a 5,000-character
  inquiry, 9 bytes a character as a browser encodes Chinese) needs a fifth of it.
- Forms with long texts, marked `@accepts_long_text` (document bodies, consultation
  drafts, the annual report's narrative): LONG_TEXT_FORM_MAX_BYTES (2 MB).
- Routes that take files, marked `@accepts_uploads(files=N)`: N × ATTACHMENT_MAX_BYTES on
  top of their form's limit. N is one for a single file (Word import, finance table) and
  FILES_PER_REQUEST for the attachment forms, whatever the total an object may hold: five
  files' worth (100 MB) is twice what one request could carry before these limits, and a
  larger batch goes in several requests. Marking is the only way to take a file: a file
  part sent to any other route is refused while the body is parsed, so a new upload form
  is a decision.
- The larger allowances hold only for a signed-in session (its signed cookie names a
  user; no database is asked this early). An anonymous client gets FORM_MAX_BYTES on
  every route: the CSRF check reads the body before the access policy turns it away.

A declared Content-Length above the limit is answered 413 at once without reading a byte;
a body without one (chunked) is read through a stream that stops at the limit and answers
413. The answer names the limit (“256 KB”), as a page, JSON under /api/, or GeoReport's
error list under /open311/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypeVar

from flask import Flask, current_app, request, session
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from portal.attachments.storage import format_size

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class Allowance:
    """What one route's requests may carry beyond a plain form."""

    files: int = 0
    long_text: bool = False


@dataclass(frozen=True)
class Limits:
    """The limits applied to one request, and the sentence that explains a refusal."""

    max_bytes: int
    field_bytes: int
    message: str
    uploads: bool


class BodyTooLarge(RequestEntityTooLarge):
    """413 with a message for the person at the screen."""

    def __init__(self, message: str):
        super().__init__(description=message)
        self.message = message


NO_FILES = "此页面不接受上传文件。"
# Files' worth one request to an attachment form may carry (see the module doc).
FILES_PER_REQUEST = 5

# Views by module and qualified name, which the wrappers Flask-Login adds keep.
_allowances: dict[str, Allowance] = {}


def _name(view: Callable) -> str:
    return f"{view.__module__}.{view.__qualname__}"


def _mark(view: F, **changes) -> F:
    _allowances[_name(view)] = replace(_allowances.get(_name(view), Allowance()), **changes)
    return view


def accepts_uploads(files: int) -> Callable[[F], F]:
    """Decorator: the view takes up to `files` uploaded files in one request; its body
    may be that many ATTACHMENT_MAX_BYTES larger than its form: 1 for a single file,
    FILES_PER_REQUEST for a form that takes several."""
    if files < 1:
        raise ValueError("an upload route takes at least one file")
    return lambda view: _mark(view, files=files)


def accepts_long_text(view: F) -> F:
    """Decorator: the view's form carries long texts (LONG_TEXT_FORM_MAX_BYTES)."""
    return _mark(view, long_text=True)


def allowance_for(endpoint: str | None) -> Allowance:
    view = current_app.view_functions.get(endpoint or "")
    return _allowances.get(_name(view), Allowance()) if view is not None else Allowance()


def upload_routes(app: Flask) -> dict[str, Allowance]:
    """Endpoints that take files, with their allowances."""
    found = {endpoint: _allowances.get(_name(view)) for endpoint, view in
             app.view_functions.items()}
    return {endpoint: allowance for endpoint, allowance in found.items()
            if allowance is not None and allowance.files}


def current_limits() -> Limits:
    """The limits for the request being handled."""
    config = current_app.config
    return _limits(allowance_for(request.endpoint), "_user_id" in session,
                   config["FORM_MAX_BYTES"], config["LONG_TEXT_FORM_MAX_BYTES"],
                   config["ATTACHMENT_MAX_BYTES"])


@lru_cache(maxsize=256)  # a few kinds of route, signed in or not: asked on every request
def _limits(allowance: Allowance, signed_in: bool, form_bytes: int, long_text_bytes: int,
            per_file: int) -> Limits:
    if not signed_in:
        hint = "上传文件请先登录。" if allowance.files else "请删减后重新提交。"
        return Limits(form_bytes, form_bytes,
                      f"提交的内容超过 {format_size(form_bytes)} 的限制，{hint}", False)
    if allowance.long_text:
        form_bytes = long_text_bytes
    if not allowance.files:
        return Limits(form_bytes, form_bytes,
                      f"提交的内容超过 {format_size(form_bytes)} 的限制，请删减后重新提交。",
                      False)
    total = allowance.files * per_file
    message = (f"上传的文件不能超过 {format_size(per_file)}，请压缩或拆分后重新上传。"
               if allowance.files == 1 else
               f"一次上传的文件合计不能超过 {format_size(total)}（每个文件不超过 "
               f"{format_size(per_file)}），请压缩或分几次上传。")
    return Limits(total + form_bytes, form_bytes, message, True)


def apply_limits() -> None:
    """before_request, registered before every other hook: set this request's limits,
    and refuse a declared body above them before reading any of it (BodyTooLarge). A
    request with no body at all (neither a length nor chunks: every page view) has
    nothing to limit."""
    environ = request.environ
    if not environ.get("CONTENT_LENGTH") and "HTTP_TRANSFER_ENCODING" not in environ:
        return
    limits = current_limits()
    request.max_content_length = limits.max_bytes
    request.max_form_memory_size = limits.field_bytes
    declared = request.content_length
    if declared is not None and declared > limits.max_bytes:
        raise BodyTooLarge(limits.message)


def check_file_part(endpoint: str | None) -> None:
    """Called for every file part of a multipart body: only marked routes take files."""
    if not allowance_for(endpoint).files:
        raise BodyTooLarge(NO_FILES)


def refusal(error: HTTPException) -> tuple[str, str]:
    """(message, audit action) for a 413, whoever raised it: this module, the limited
    stream or the form parser. An anonymous client's refusals are counted per source and
    window, not chained (portal.audit.refusals), so a flood of bodies cannot flood the log."""
    limits = current_limits()
    message = error.message if isinstance(error, BodyTooLarge) else limits.message
    return message, "upload.too_large" if limits.uploads else "request.too_large"


def init_app(app: Flask) -> None:
    """Register the limits. Call before anything else registers a `before_request` hook."""
    app.before_request(apply_limits)
