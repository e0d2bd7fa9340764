"""Attachments on disk: checked by content, stored under generated names, sent as downloads.

Decisions:
- The kind is detected from the bytes and must agree with the file name's extension
  (`.jpeg` counts as `.jpg`). Anything else is refused and the attempt is audited
  (`attachment.reject`).
- The original (Chinese) name is kept only as a display name for the download. A client
  path such as `C:\\Users\\张三\\通知.pdf` or `../../通知.pdf` is reduced to its last part
  and accepted: browsers send such names, and the display name never touches the file
  system — files are stored as `<uuid4 hex>.<kind>` in `ab/cd/` shard folders.
- Files are written to a temporary file in their final folder, fsynced, then renamed into
  place (and the folder fsynced), so a stored name never points at half a file. A full
  disk (ENOSPC) removes the temporary file and raises InsufficientStorage (507).
- `save_upload` only adds the row to the session; the calling service commits. If that
  commit fails, the written file is an orphan nobody links to: harmless, and it can be
  swept by comparing the folder with `stored_files`.
- CSV has no signature: content counts as CSV when it holds no NUL byte, decodes as UTF-8
  (with or without BOM) or GB18030 (Excel on Chinese Windows saves CSV as GBK) and does
  not start like markup (first non-space character "<"). That says little, so CSV is not
  among `DEFAULT_KINDS`: only a caller that asks for it (`kinds=`, e.g. the village
  finance import) accepts it. It is served as `text/csv; charset=utf-8` whatever its
  encoding; it is always a download (spreadsheet programs ignore the charset).
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import quote

import filetype
from flask import Response, current_app, send_file
from werkzeug.datastructures import FileStorage

from portal.attachments import ofd
from portal.attachments.models import StoredFile
from portal.errors import InsufficientStorage, NotFound, PayloadTooLarge, ValidationError
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "ofd": "application/ofd",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
    "csv": "text/csv; charset=utf-8",
}
KIND_LABELS = {"pdf": "PDF", "ofd": "OFD", "doc": "DOC", "docx": "DOCX", "xls": "XLS",
               "xlsx": "XLSX", "jpg": "JPG", "png": "PNG", "csv": "CSV"}
# Accepted when a caller does not name its kinds: the attachment kinds of the design.
DEFAULT_KINDS = ("pdf", "ofd", "doc", "docx", "xls", "xlsx", "jpg", "png")
CHUNK_SIZE = 64 * 1024
MAX_NAME_LENGTH = 255
EXTENSION_ALIASES = {"jpeg": "jpg"}
REJECT_ACTION = "attachment.reject"
RFC5987_SAFE = "!#$&+-.^_`|~"  # attr-char punctuation left unencoded in filename*

# C0 and C1 controls (incl. CR, LF, NUL, DEL), bidi marks and overrides, BOM, and the
# Unicode line/paragraph separators: nothing a file name needs, all useful for spoofing.
_UNSAFE_NAME_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_STORAGE_NAME = re.compile(r"[0-9a-f]{32}\.[a-z]{3,4}")

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
_SIGNATURES = {kind: filetype.get_type(ext=kind) for kind in ("pdf", "jpg", "png")}
# Stream names in an OLE2 compound file's directory: Word's main stream, Excel's
# BIFF8 ("Workbook") and BIFF5 ("Book") workbook streams.
_OLE_STREAMS = {"doc": ("WordDocument",), "xls": ("Workbook", "Book")}
# A ZIP package is an OFD, DOCX or XLSX when this part is at its root; macro-enabled
# Office files (with a VBA project) are not accepted under the plain extensions.
_ZIP_MARKERS = (("ofd", "OFD.xml", None),
                ("docx", "word/document.xml", "word/vbaProject.bin"),
                ("xlsx", "xl/workbook.xml", "xl/vbaProject.bin"))
ZIP_KINDS = frozenset(kind for kind, _marker, _forbidden in _ZIP_MARKERS)
# Tried in order: a GBK file is hardly ever valid UTF-8, while GB18030 decodes most text.
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
# The upload folder's file system is full (or the account's quota is used up).
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def detect_kind(handle: IO[bytes]) -> str | None:
    """The allowed kind the content of a seekable binary file really is, else None."""
    handle.seek(0)
    head = handle.read(8192)
    handle.seek(0)
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(handle)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(handle)
    for kind, matcher in _SIGNATURES.items():
        if matcher.match(head):
            return kind
    return "csv" if _is_csv(handle) else None


def _zip_kind(handle: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(handle) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    for kind, marker, forbidden in _ZIP_MARKERS:
        if marker in names and forbidden not in names:
            return kind
    return None


def _is_csv(handle: IO[bytes]) -> bool:
    """Whether the content is text in one of TEXT_ENCODINGS, without NUL bytes, that does
    not start with "<" (HTML or XML renamed .csv). Reads in chunks; leaves `handle` at 0."""
    try:
        for encoding in TEXT_ENCODINGS:
            verdict = _is_text_in(handle, encoding)
            if verdict is not None:
                return verdict
        return False
    finally:
        handle.seek(0)


def _is_text_in(handle: IO[bytes], encoding: str) -> bool | None:
    """True for acceptable text, False for NUL bytes or markup (no other encoding can
    help), None when the bytes are not valid `encoding`."""
    handle.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    start = ""
    try:
        while chunk := handle.read(CHUNK_SIZE):
            if b"\x00" in chunk:
                return False
            text = decoder.decode(chunk)
            start = start or text.lstrip()[:1]
            if start == "<":
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return True


def _ole_kind(handle: IO[bytes]) -> str | None:
    data = handle.read()
    handle.seek(0)
    found = {kind for kind, names in _OLE_STREAMS.items()
             if any(_has_ole_stream(data, name) for name in names)}
    return found.pop() if len(found) == 1 else None


def _has_ole_stream(data: bytes, name: str) -> bool:
    """True when the compound file's directory lists a stream called `name`.

    Directory entries are 128-byte records starting on 128-byte boundaries (for 512- and
    4096-byte sectors alike): the UTF-16LE name, at offset 64 its byte length including
    the terminator, at offset 66 the object type (2 = stream).
    """
    pattern = name.encode("utf-16-le") + b"\x00\x00"
    start = data.find(pattern)
    while start != -1:
        entry = data[start:start + 128]
        if (start % 128 == 0 and len(entry) == 128 and entry[66] == 2
                and int.from_bytes(entry[64:66], "little") == len(pattern)):
            return True
        start = data.find(pattern, start + 1)
    return False


def clean_display_name(filename: str | None) -> str:
    """Return the file name to show for a download: the last path part, without control
    or bidi characters, at most 255 characters with the extension kept.

    Raises ValidationError when nothing usable is left.
    """
    name = unicodedata.normalize("NFC", filename or "")
    parts = re.split(r"[/\\]", name)
    if ".." in (part.strip() for part in parts):
        raise ValidationError(f"文件名“{name[:80]}”含有上级目录路径（../），已拒绝。"
                              "请直接选择文件上传。", audit_action="attachment.reject")
    name = parts[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip()
    if name in ("", ".", ".."):
        raise ValidationError("文件名无效，请重新选择文件。")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext) > 16:
            stem, dot, ext = name, "", ""
        name = stem[: MAX_NAME_LENGTH - len(dot) - len(ext)].rstrip() + dot + ext
    return name


def allowed_kinds(kinds: Collection[str] | None) -> tuple[str, ...]:
    """The kinds a caller accepts, in a fixed order; DEFAULT_KINDS when it names none.

    Raises ValueError for an empty selection or an unknown kind (a programming error).
    """
    if kinds is None:
        return DEFAULT_KINDS
    unknown = set(kinds) - CONTENT_TYPES.keys()
    if unknown or not kinds:
        raise ValueError(f"unknown or no attachment kinds: {sorted(unknown)}")
    return tuple(kind for kind in CONTENT_TYPES if kind in kinds)


def declared_kind(display_name: str, kinds: Collection[str] | None = None) -> str:
    """The kind named by the file's extension, if it is one of `kinds` (default
    DEFAULT_KINDS).

    Raises ValidationError (audited) for a missing or disallowed extension; the message
    lists the allowed kinds.
    """
    accepted = allowed_kinds(kinds)
    _, dot, ext = display_name.rpartition(".")
    ext = EXTENSION_ALIASES.get(ext.lower(), ext.lower()) if dot else ""
    if ext in accepted:
        return ext
    allowed = "、".join(KIND_LABELS[kind] for kind in accepted)
    problem = f"扩展名“.{ext}”" if ext else "没有扩展名"
    raise ValidationError(f"文件“{display_name}”{problem}，不能上传。允许的类型：{allowed}。",
                          audit_action=REJECT_ACTION)


def format_size(size: int) -> str:
    """Human-readable size for messages: "20 MB", "512 KB", "100 字节"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} 字节"


def read_limited(stream: IO[bytes], display_name: str) -> Iterator[bytes]:
    """Yield the upload in chunks, never reading more than ATTACHMENT_MAX_BYTES + 1 bytes.

    Raises PayloadTooLarge (audited) as soon as the limit is passed.
    """
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    total = 0
    while chunk := stream.read(min(CHUNK_SIZE, limit + 1 - total)):
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"附件“{display_name}”超过 {format_size(limit)} 的大小限制，"
                                  "请压缩或拆分后重新上传。")
        yield chunk


def stored_path(storage_name: str) -> Path:
    """Where a stored file lives: `<UPLOAD_FOLDER>/ab/cd/abcd….pdf`."""
    if not _STORAGE_NAME.fullmatch(storage_name):
        raise NotFound("附件不存在。")
    root = Path(current_app.config["UPLOAD_FOLDER"])
    return root / storage_name[:2] / storage_name[2:4] / storage_name


def _write_temp(file: FileStorage, folder: Path, display_name: str) -> tuple[Path, int, str]:
    """Copy the upload into a temporary file in `folder` and fsync it; return path, size
    and sha256.

    The temporary file is removed if anything goes wrong. A full disk raises
    InsufficientStorage (507) instead of the bare OSError.
    """
    digest, size = hashlib.sha256(), 0
    temp: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
        temp = Path(temp_name)
        with os.fdopen(handle, "wb") as out:
            for chunk in read_limited(file.stream, display_name):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException as error:
        if temp is not None:
            temp.unlink(missing_ok=True)
        if _is_disk_full(error):
            raise _storage_full(display_name) from error
        raise
    return temp, size, digest.hexdigest()


def _is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS


def _storage_full(display_name: str) -> InsufficientStorage:
    current_app.logger.error("upload folder is full; %s not stored", display_name)
    return InsufficientStorage(f"服务器存储空间不足，附件“{display_name}”没有保存。"
                               "请稍后再试，或联系网站管理员。")


def fsync_folder(folder: Path) -> None:
    """Make the rename itself durable: a crash after the commit must not lose the name."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_content(temp: Path, size: int, kind: str, display_name: str) -> None:
    """Raise ValidationError when the written file is empty, damaged (a ZIP package that
    does not open, an OFD whose documents or pages are missing or not XML) or not really
    of `kind`."""
    if size == 0:
        raise ValidationError(f"文件为空：“{display_name}”没有内容，请检查后重新上传。")
    with temp.open("rb") as handle:
        detected = detect_kind(handle)
        damaged = detected is None and kind in ZIP_KINDS and _is_broken_zip(handle)
    if damaged:
        raise _damaged(display_name, kind)
    if detected != kind:
        raise ValidationError(
            f"文件“{display_name}”的实际类型与扩展名不符，请上传真实的 {KIND_LABELS[kind]} 文件。",
            audit_action=REJECT_ACTION)
    if kind == "ofd":
        try:
            ofd.verify(temp)
        except ofd.DamagedOfd as error:
            current_app.logger.info("OFD %r refused: %s", display_name, error)
            raise _damaged(display_name, kind) from None


def _is_broken_zip(handle: IO[bytes]) -> bool:
    handle.seek(0)
    if handle.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
        return False
    handle.seek(0)
    try:
        zipfile.ZipFile(handle).close()
    except (zipfile.BadZipFile, OSError, ValueError):
        return True
    return False


def _damaged(display_name: str, kind: str) -> ValidationError:
    return ValidationError(
        f"{KIND_LABELS[kind]} 文件“{display_name}”已损坏或不完整，无法打开。"
        "请用原来的软件重新导出（或另存）后再上传。", audit_action=REJECT_ACTION)


def save_upload(file: FileStorage, uploaded_by: User | None, *,
                kinds: Collection[str] | None = None) -> StoredFile:
    """Check an uploaded file, store it under a generated name and add its StoredFile row
    to the session (the calling service commits).

    `kinds` limits the accepted kinds for this call (e.g. `("xlsx", "csv")` for a table
    import); None accepts DEFAULT_KINDS. Raises ValidationError for a missing, empty,
    disallowed or disguised file (the last two audited as `attachment.reject`) and
    PayloadTooLarge above ATTACHMENT_MAX_BYTES and InsufficientStorage when the disk is
    full; nothing is left on disk in any of these cases.
    ValueError for an unknown kind in `kinds`.
    """
    accepted = allowed_kinds(kinds)
    if file is None or not file.filename:
        raise ValidationError("请选择要上传的文件。")
    display_name = clean_display_name(file.filename)
    kind = declared_kind(display_name, accepted)
    storage_name = f"{uuid.uuid4().hex}.{kind}"
    target = stored_path(storage_name)
    temp, size, sha256 = _write_temp(file, target.parent, display_name)
    try:
        _check_content(temp, size, kind, display_name)
        os.replace(temp, target)
        fsync_folder(target.parent)
    except BaseException as error:
        temp.unlink(missing_ok=True)
        if _is_disk_full(error):
            target.unlink(missing_ok=True)
            raise _storage_full(display_name) from error
        raise
    stored = StoredFile(storage_name=storage_name, display_name=display_name, kind=kind,
                        content_type=CONTENT_TYPES[kind], size=size, sha256=sha256,
                        uploaded_by_id=uploaded_by.id if uploaded_by is not None else None)
    db.session.add(stored)
    return stored


def discard_file(stored: StoredFile) -> None:
    """Remove a stored file from disk (for a service undoing an upload); missing is fine."""
    stored_path(stored.storage_name).unlink(missing_ok=True)


def ascii_fallback_name(display_name: str, kind: str) -> str:
    """An ASCII-only name for clients that ignore `filename*`."""
    stem = display_name.rpartition(".")[0] or display_name
    simple = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    simple = re.sub(r"[^A-Za-z0-9._ -]+", "", simple).strip(" .")
    return f"{simple or 'attachment'}.{kind}"


def download_response(content: bytes, mimetype: str, display_name: str,
                      fallback: str | None = None) -> Response:
    """Generated bytes (an export, a regenerated table) as a download named `display_name`
    (an ASCII `fallback` plus RFC 5987 `filename*`), never cached, with `nosniff`."""
    kind = display_name.rpartition(".")[2] or "bin"
    response = Response(content, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment",
                         filename=fallback or ascii_fallback_name(display_name, kind),
                         **{"filename*": f"UTF-8''{quote(display_name, safe=RFC5987_SAFE)}"})
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def send_stored_file(stored: StoredFile) -> Response:
    """Send a stored file as a download under its display name.

    Sets Content-Disposition (ASCII fallback plus RFC 5987 `filename*`), the kind's
    Content-Type and `nosniff`; answers conditional requests (the ETag is the sha256).
    Callers check access first. Raises NotFound when the file is missing on disk.
    """
    path = stored_path(stored.storage_name)
    if not path.is_file():
        current_app.logger.error("stored file %s missing on disk", stored.storage_name)
        raise NotFound("附件文件已丢失，请联系网站管理员。")
    fallback = ascii_fallback_name(stored.display_name, stored.kind)
    response = send_file(path, mimetype=CONTENT_TYPES[stored.kind], as_attachment=True,
                         download_name=fallback, etag=stored.sha256, conditional=True)
    # Werkzeug derives its fallback by dropping non-ASCII ("通知.pdf" → ".pdf"); set both.
    encoded = quote(stored.display_name, safe=RFC5987_SAFE)
    response.headers.set("Content-Disposition", "attachment", filename=fallback,
                         **{"filename*": f"UTF-8''{encoded}"})
    # Set exactly: given "text/csv; charset=utf-8" as mimetype, Werkzeug adds a second charset.
    response.headers["Content-Type"] = CONTENT_TYPES[stored.kind]
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
