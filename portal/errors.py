"""Domain errors raised by services: a refusal with a Chinese message meant for the
person at the screen, and the status it stands for. Nothing here knows about HTTP;
`portal.error_pages` turns them into pages (and rolls back, and audits denials), so a
service, the CLI and a background job raise the same errors.
"""

from __future__ import annotations


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


class FieldErrors(ValidationError):
    """Several fields refused at once, so the person fixes them all in one go.

    `errors` holds one ValidationError per problem, in the order the form shows its
    fields; the message is their messages, one a line (an API answers each as an entry).
    """

    def __init__(self, errors: list[ValidationError]):
        super().__init__("\n".join(error.message for error in errors), field=errors[0].field)
        self.errors = errors


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The object is not in a state that allows the operation."""

    status = 409


class PayloadTooLarge(DomainError):
    status = 413

    def __init__(self, message: str, *, target: object | None = None,
                 action: str = "upload.too_large"):
        super().__init__(message, audit_action=action, target=target)


class PermissionDenied(DomainError):
    status = 403

    def __init__(self, message: str = "您没有执行此操作的权限。", *, action: str = "",
                 target: object | None = None, actor: object | None = None):
        super().__init__(message, audit_action=action or "permission.denied", target=target)
        self.actor = actor


TOO_MANY_REQUESTS = "您的操作过于频繁，请稍等几分钟后再试。"


class RateLimited(DomainError):
    """Too many requests from one client; the limiter answers, this records it."""

    status = 429

    def __init__(self):
        super().__init__(TOO_MANY_REQUESTS, audit_action="ratelimit.exceeded")


class InsufficientStorage(DomainError):
    """The disk that holds uploads is full: nothing was stored, the sender may retry later."""

    status = 507

    def __init__(self, message: str, *, target: object | None = None):
        super().__init__(message, audit_action="upload.storage_full", target=target)


class InvalidTransition(Conflict):
    def __init__(self, current: str, wanted: str):
        super().__init__(f"当前状态为“{current}”，不能执行“{wanted}”。")
