"""Personal data in attachments: every file meant for the public is read and scanned
before anyone can submit it for sign-off, and only a file that is clean or that a person
has checked is ever served to the public (个人信息保护法; 村务公开 rules).

Decisions:
- The scan runs when the file is attached (`check`), over the text `portal.attachments.text`
  reads (PDF and OFD pages, DOCX paragraphs, spreadsheet and CSV cells with their column
  heading)
  with `portal.privacy.scan`. Its verdict is kept on the stored file:
  - `clean`: read completely, nothing found;
  - `found`: personal data found; each place is kept (file, page/sheet/row/column, kind,
    masked value — never the value itself). Submission is blocked until the file is
    replaced by a masked copy. A file whose only findings are suspected (a mistyped ID
    number, a number after 账号 that fails Luhn) may instead be confirmed by a person;
  - `unreadable`: no text could be read, or not all of it (an image, a scan, a legacy
    Office file, a damaged file, a limit reached). A person must confirm it
    (“已人工核对，不含个人敏感信息”) before submission; the confirmation is audited;
  - `confirmed`: a person confirmed it, with who and when kept.
- Files attached before the scan existed are `unchecked`: never served publicly until
  `flask --app portal attachments rescan` has read them.
- The public download routes and the JSON API offer only `clean` and `confirmed` files.
"""

from __future__ import annotations

import enum

from portal import audit
from portal.attachments.models import StoredFile
from portal.attachments.text import read
from portal.errors import Conflict
from portal.privacy import scan
from portal.timeutil import utcnow

# Scan the whole text of a file, not just what the search index keeps.
MAX_SCAN_CHARS = 2_000_000
MAX_PLACES = 20
CONFIRMATION = "已人工核对，不含个人敏感信息"


class PrivacyState(enum.StrEnum):
    UNCHECKED = "unchecked"
    CLEAN = "clean"
    FOUND = "found"
    UNREADABLE = "unreadable"
    CONFIRMED = "confirmed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    PrivacyState.UNCHECKED: "尚未检查个人信息",
    PrivacyState.CLEAN: "已自动检查，未发现个人信息",
    PrivacyState.FOUND: "发现个人信息",
    PrivacyState.UNREADABLE: "无法自动检查，须人工核对",
    PrivacyState.CONFIRMED: "已人工核对",
}
PUBLIC_STATES = (PrivacyState.CLEAN, PrivacyState.CONFIRMED)


def check(stored: StoredFile) -> PrivacyState:
    """Read and scan `stored`, keep the verdict on it (the caller commits) and return it."""
    reading = read(stored, max_chars=MAX_SCAN_CHARS)
    places, definite = [], False
    for piece in reading.pieces:
        for finding in scan(piece.in_context):
            definite = definite or not finding.suspected
            if len(places) < MAX_PLACES:
                places.append(f"附件“{stored.display_name}”{piece.where}："
                              f"{finding.label} {finding.masked}")
    if places:
        state = PrivacyState.FOUND
        note = "" if definite else "suspected"
    elif not reading.complete or not reading.pieces:
        state = PrivacyState.UNREADABLE
        problem = reading.problem or "未能读取到文字（可能是扫描件）"
        places = [f"附件“{stored.display_name}”：{problem}，须人工核对后确认"]
        note = ""
    else:
        state, note = PrivacyState.CLEAN, ""
    stored.privacy_state = state.value
    stored.privacy_places = places
    stored.privacy_note = note
    stored.privacy_checked_at = utcnow()
    return state


def state_of(stored: StoredFile) -> PrivacyState:
    return PrivacyState(stored.privacy_state)


def is_public(stored: StoredFile) -> bool:
    """Whether the public may download this file (clean, or checked by a person)."""
    return state_of(stored) in PUBLIC_STATES


def may_confirm(stored: StoredFile) -> bool:
    """Whether a person may confirm the file instead of replacing it: nothing could be
    read, or everything found is only suspected."""
    state = state_of(stored)
    return state is PrivacyState.UNREADABLE or (
        state is PrivacyState.FOUND and stored.privacy_note == "suspected")


def problems(files: list[StoredFile]) -> list[str]:
    """What blocks submitting these files: each finding's place, and each file a person
    still has to check."""
    found: list[str] = []
    for stored in files:
        state = state_of(stored)
        if state is PrivacyState.UNCHECKED:
            found.append(f"附件“{stored.display_name}”尚未检查个人信息，请删除后重新上传")
        elif state in (PrivacyState.FOUND, PrivacyState.UNREADABLE):
            found += stored.privacy_places or [f"附件“{stored.display_name}”：{state.label}"]
    return found


def confirm(actor, stored: StoredFile, owner) -> None:
    """A person records that they checked the file and it holds no personal data. The
    caller has checked that `actor` may edit `owner`; the confirmation is audited (the
    caller commits). Raises Conflict for a file with definite findings."""
    if not may_confirm(stored):
        raise Conflict(f"附件“{stored.display_name}”含有个人信息，不能确认，"
                       "请遮盖后重新上传。" if state_of(stored) is PrivacyState.FOUND
                       else f"附件“{stored.display_name}”无需人工确认。")
    before = stored.privacy_state
    stored.privacy_state = PrivacyState.CONFIRMED.value
    stored.privacy_confirmed_by_id = actor.id
    stored.privacy_confirmed_at = utcnow()
    audit.record(actor, "attachment.privacy_confirm", owner,
                 before={"file": stored.display_name, "state": before},
                 after={"state": "confirmed", "sha256": stored.sha256},
                 message=CONFIRMATION)
