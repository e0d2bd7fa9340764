"""Submission limits that count outcomes, not attempts.

A resident who gets a field wrong and sends the form again has not submitted anything: the
limit on what a client may submit (`RATELIMIT_INQUIRY_SUBMIT`, five in ten minutes) counts
only *accepted* submissions. Refused ones — a field to fix, a stale form, a filled-in
honeypot, a forged token — count in a second, looser bucket (`RATELIMIT_SUBMIT_REFUSED`,
thirty in ten minutes), so a bot still cannot hammer the validation. A POST is refused
when its answer is 400 or above and accepted otherwise (a receipt, a redirect, 201).

In `before_request`, ahead of the request's own unit of work (see `portal.ratelimit`),
the request takes a place in the accepted bucket — one atomic count, so the limit holds
exactly across workers however many submissions race for the last place — and the
refused bucket is tested. Over either, a form view shows the form again with the
person's text, a message saying when to try again, 429 and Retry-After
(`portal.forms.hold_over_limit`); a machine endpoint gets 429 from the error handlers.
When the request is done (`teardown_request`) and was refused, its place goes back and
it counts in the refused bucket — after its unit of work has ended, so on SQLite the
counter never waits for the request's own write lock.

    @bp.route("/new", methods=["GET", "POST"])
    @limit_submissions("RATELIMIT_INQUIRY_SUBMIT", "RATELIMIT_SUBMIT_REFUSED")
    def new(): ...
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app, g, request
from flask_limiter.util import get_qualified_name
from limits import parse_many
from limits.errors import StorageError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import TooManyRequests

from portal.extensions import db, limiter
from portal.ratelimit import wait_phrase

F = TypeVar("F", bound=Callable)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmissionLimit:
    """The two buckets of one view, by their config keys."""

    accepted: str
    refused: str
    form: bool  # the view shows its form again itself; otherwise 429 from the handlers
    methods: tuple[str, ...]


@dataclass(frozen=True)
class OverLimit:
    """A client over a submission limit, and how long until it may submit again."""

    retry_after: int  # seconds

    @property
    def message(self) -> str:
        return (f"提交次数已达上限，暂时不能提交。请在{wait_phrase(self.retry_after)}再提交；"
                "您填写的内容已保留在下方，不需要重新填写。")


_views: dict[str, SubmissionLimit] = {}
_STATE = "submission_limit"
_BLOCKED = "submission_blocked"


def limit_submissions(accepted: str, refused: str, *, form: bool = True,
                      methods: Sequence[str] = ("POST",)) -> Callable[[F], F]:
    """Decorator: count the view's `methods` requests by outcome — accepted ones against
    the limit string in `config[accepted]`, refused ones against `config[refused]` — per
    client address. `form=True` views call `portal.forms.hold_over_limit` (or
    `blocked()`) and answer 429 with the form themselves."""

    def decorator(view: F) -> F:
        _views[get_qualified_name(view)] = SubmissionLimit(accepted, refused, form,
                                                           tuple(methods))
        return view

    return decorator


def init_app(app: Flask) -> None:
    app.before_request(check_submission_limits)
    app.after_request(_note_outcome)
    app.teardown_request(_count_outcome)


def blocked() -> OverLimit | None:
    """Whether this request is over its view's submission limit (set before the view)."""
    return g.get(_BLOCKED)


def check_submission_limits() -> None:
    """before_request hook: reserve a place in the view's accepted bucket (given back if
    the request is refused) and test its refused bucket. Over either: the form view is
    told (`blocked()`); a view without a form gets TooManyRequests with Retry-After."""
    view = current_app.view_functions.get(request.endpoint or "")
    rule = _views.get(get_qualified_name(view)) if view is not None else None
    if rule is None or request.method not in rule.methods:
        return
    state = {"rule": rule, "reserved": []}
    setattr(g, _STATE, state)
    retry_after = _wait(rule.refused)
    if retry_after <= 0:
        state["reserved"] = _reserve(rule.accepted)
        if state["reserved"] is None:
            state["reserved"] = []
            retry_after = _wait(rule.accepted)
    if retry_after <= 0:
        return
    if not rule.form:
        raise TooManyRequests(retry_after=retry_after)
    setattr(g, _BLOCKED, OverLimit(retry_after))


def _identifiers(config_key: str) -> tuple[str, ...]:
    return ("submissions", config_key, request.remote_addr or "unknown")


def _items(config_key: str):
    return parse_many(current_app.config[config_key])


def _wait(config_key: str) -> int:
    """Seconds until the client may count once more against `config_key`; 0 if it may now."""
    strategy, ids, now = limiter.limiter, _identifiers(config_key), time.time()
    waits = [math.ceil(strategy.get_window_stats(item, *ids).reset_time - now)
             for item in _items(config_key) if not strategy.test(item, *ids)]
    return max([max(wait, 1) for wait in waits], default=0)


def _reserve(config_key: str) -> list | None:
    """Count this request against every window of `config_key` at once — atomic per
    counter, so workers racing for the last place cannot both have it — and return what
    was counted; None (nothing counted) when a window is full."""
    ids = _identifiers(config_key)
    counted, full = [], False
    for item in _items(config_key):
        full = not limiter.limiter.hit(item, *ids) or full
        counted.append((item, ids))
    if full:
        _give_back(counted)
        return None
    return counted


def _give_back(counted: list) -> None:
    for item, ids in counted:
        limiter.storage.incr(item.key_for(*ids), item.get_expiry(), amount=-1)


def _note_outcome(response):
    state = g.get(_STATE)
    if state is not None:
        state["status"] = response.status_code
        over = blocked()
        if over is not None and response.status_code == 429:
            response.headers["Retry-After"] = str(over.retry_after)
    return response


def _count_outcome(_error: BaseException | None) -> None:
    """teardown_request hook: a refused request gives its place in the accepted bucket
    back and counts in the refused bucket instead."""
    state = g.pop(_STATE, None)
    if state is None or state.get("status", 500) < 400:
        return
    rule: SubmissionLimit = state["rule"]
    _end_unit_of_work()
    try:
        _give_back(state["reserved"])
        for item in _items(rule.refused):
            limiter.limiter.hit(item, *_identifiers(rule.refused))
    except (SQLAlchemyError, StorageError):
        # The answer is already given; a lost count is not worth a failed page.
        logger.warning("could not count a refused submission", exc_info=True)


def _end_unit_of_work() -> None:
    """Whatever the request left uncommitted is discarded now, as the session's teardown
    would do a moment later; on SQLite that releases the write lock the counter needs."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()

