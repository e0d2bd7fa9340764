"""Attachment operations used by the capabilities that have attachments (disclosures,
village notices, inquiries). They add rows to the session; the calling service checks
permission, records its own audit event and commits once."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from werkzeug.datastructures import FileStorage

from portal.attachments.models import StoredFile
from portal.attachments.storage import discard_file, save_upload
from portal.errors import NotFound
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User


def save_uploads(files: Iterable[FileStorage | None], uploaded_by: User | None, *,
                 kinds: Collection[str] | None = None) -> list[StoredFile]:
    """Check and store every file chosen in one form, all or nothing.

    Empty file inputs (nothing chosen) are skipped; `kinds` limits the accepted kinds as
    in `save_upload`. If one file is refused, the files of this call already written are
    removed again and their rows leave the session; the error (ValidationError or
    PayloadTooLarge, see `save_upload`) is raised unchanged.
    """
    saved: list[StoredFile] = []
    try:
        for file in files:
            if file is not None and file.filename:
                saved.append(save_upload(file, uploaded_by, kinds=kinds))
    except BaseException:
        for stored in saved:
            discard_file(stored)
            db.session.expunge(stored)
        raise
    return saved


def get_stored_file(file_id: int) -> StoredFile:
    """The StoredFile with this id. Callers check access to the owning record.

    Raises NotFound.
    """
    stored = db.session.get(StoredFile, file_id)
    if stored is None:
        raise NotFound("附件不存在或已被删除。")
    return stored
