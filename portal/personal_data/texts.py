"""Personal data in a record's own text (title, body, finance rows, reply), and the gate
every publication passes: `require_clean` blocks submission, sign-off, approval and
publication while any place in the text or the attachments still holds personal data.

A finding that is only suspected (`Finding.suspected`: a mistyped ID number, an account
number that fails Luhn) may be cleared by a person who checked it (`clear_suspected`);
the clearance is kept per record as a keyed hash of the value, and audited without the
value. Definite findings can only be masked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.attachments.models import StoredFile
from portal.errors import ValidationError
from portal.extensions import db
from portal.personal_data import files as file_scan
from portal.personal_data.models import PrivacyClearance
from portal.privacy import Finding, scan

CONTEXT_CHARS = 8


@dataclass(frozen=True)
class TextField:
    """A piece of a record's text and what to call it in a message (标题, 正文 …)."""

    where: str
    text: str


class PersonalDataFound(ValidationError):
    """Submission or publication is blocked until the listed places are masked (or, for
    suspected values and unreadable files, checked by a person)."""

    def __init__(self, places: list[str], target=None, *, clearable: bool = False):
        shown = places[0] + ("等" if len(places) > 1 else "")
        super().__init__(f"发现 {len(places)} 处个人信息或待核对的内容，处理后才能提交或公开："
                         f"{shown}", audit_action="personal_data.blocked", target=target)
        self.places = places
        self.clearable = clearable


def _value(finding: Finding) -> str:
    return re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", finding.text).upper())


def value_hash(finding: Finding) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"privacy-clearance:" + _value(finding).encode(),
                    hashlib.sha256).hexdigest()


def _owner_key(owner) -> tuple[str, int]:
    return owner.__tablename__, owner.id


def cleared(owner) -> set[str]:
    if owner.id is None:
        return set()
    kind, owner_id = _owner_key(owner)
    return set(db.session.scalars(select(PrivacyClearance.value_hash).where(
        PrivacyClearance.object_type == kind, PrivacyClearance.object_id == owner_id)))


def findings(owner, fields: Iterable[TextField]) -> list[tuple[TextField, Finding]]:
    """Every finding in the fields that a person has not cleared."""
    done = cleared(owner)
    return [(field, finding) for field in fields for finding in scan(field.text)
            if not (finding.suspected and value_hash(finding) in done)]


def _place(field: TextField, finding: Finding) -> str:
    text = field.text
    context = text[max(0, finding.start - CONTEXT_CHARS):finding.end + CONTEXT_CHARS]
    return f"{field.where}：{finding.label}“{finding.text}”（…{context}…）"


def places(owner, fields: Iterable[TextField], files: Iterable[StoredFile] = ()) -> list[str]:
    """Every place that blocks publishing: findings in the text, then in the files."""
    return ([_place(field, finding) for field, finding in findings(owner, fields)]
            + file_scan.problems(list(files)))


def require_clean(owner, fields: Iterable[TextField], files: Iterable[StoredFile] = ()) -> None:
    """Raise PersonalDataFound (audited) while anything in the text or the files blocks."""
    fields = list(fields)
    found = places(owner, fields, files)
    if found:
        suspected_only = all(f.suspected for _field, f in findings(owner, fields))
        raise PersonalDataFound(found, target=owner, clearable=suspected_only)


def clear_suspected(actor, owner, fields: Iterable[TextField]) -> int:
    """Record that `actor` checked every suspected value left in the fields and none is
    personal data. The caller has checked that `actor` may edit `owner`, and commits.
    Returns how many were cleared; definite findings stay."""
    suspected = [finding for _field, finding in findings(owner, fields) if finding.suspected]
    kind, owner_id = _owner_key(owner)
    hashes = {value_hash(finding) for finding in suspected}
    for digest in hashes:
        db.session.add(PrivacyClearance(object_type=kind, object_id=owner_id,
                                        value_hash=digest, cleared_by_id=actor.id))
    if hashes:
        audit.record(actor, "personal_data.clear_suspected", owner,
                     after={"values": sorted(f.masked for f in suspected)},
                     message="经人工核对，疑似号码不是个人信息")
    return len(hashes)
