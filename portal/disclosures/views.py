"""Public disclosure pages and the staff back office for them."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from portal import validation
from portal.attachments.storage import send_stored_file
from portal.bodylimit import FILES_PER_REQUEST, accepts_long_text, accepts_uploads
from portal.catalogue import queries as catalogue_queries
from portal.disclosures import (
    content,
    fragments,
    privacy,
    public_reads,
    queries,
    revision_diff,
    revisions,
    services,
)
from portal.disclosures.forms import (
    ActionForm,
    AttachmentForm,
    DisclosureForm,
    ReviewForm,
    RevisionForm,
    WithdrawForm,
)
from portal.disclosures.models import Category, Mode, Status, Validity
from portal.errors import Conflict, ValidationError
from portal.forms import attach_error, form_status, run_action
from portal.organizations.services import get_by_slug, get_organization
from portal.pagecache import tags as page_tags
from portal.paging import PageRequest
from portal.personal_data import files as file_scan

public_bp = Blueprint("disclosures", __name__, url_prefix="/disclosures")
staff_bp = Blueprint("staff_disclosures", __name__, url_prefix="/staff/disclosures")


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value:
        return None
    if not validation.is_number(value, max_digits=6):
        abort(400, f"参数 {name} 应为数字。")
    return int(value)


@public_bp.get("/")
def listing():
    category = request.args.get("category") or None
    if category and category not in {c.value for c in Category}:
        abort(400)
    org_slug = request.args.get("org") or None
    organization = get_by_slug(org_slug) if org_slug else None
    # What the page shows: its category's or unit's documents (or all), and the filters.
    page_tags.shows("filters", *([f"cat:{category}"] if category else []),
                    *([f"org:{organization.id}"] if organization else []),
                    *([] if category or organization else ["disclosures"]))
    year = validation.year(request.args.get("year"))
    page = public_reads.public_rows(
        category=Category(category) if category else None, organization=organization,
        year=year, page=PageRequest.from_args(request.args),
        size=current_app.config["PAGE_SIZE"])
    return render_template("disclosures/list.html", page=page, category=category,
                           heading=Category(category).label if category else "全部公开信息",
                           organization=organization, year=year,
                           years=tuple(queries.publication_years()),
                           publisher_options=fragments.publisher_options(
                               organization.id if organization else None))


@public_bp.get("/<int:disclosure_id>")
def detail(disclosure_id: int):
    page_tags.shows(f"doc:{disclosure_id}")
    disclosure = public_reads.public_document(disclosure_id)
    return render_template("disclosures/detail.html", d=disclosure,
                           files=public_reads.public_files(disclosure),
                           corrections=public_reads.corrections_of(disclosure),
                           successor=queries.successor_of(disclosure))


@public_bp.get("/<int:disclosure_id>/attachments/<int:file_id>")
def attachment(disclosure_id: int, file_id: int):
    link = queries.public_attachment(disclosure_id, file_id)
    return send_stored_file(link.file)


# --- back office -------------------------------------------------------------------


def _form(disclosure=None, form_class=DisclosureForm, shown=None) -> DisclosureForm:
    """The form, filled from `shown` (the document, or the editor's pending revision)."""
    shown = shown or disclosure
    form = form_class(obj=shown)
    if disclosure is not None and request.method == "GET":
        form.organization.data = disclosure.organization_id
        form.category.data = shown.category.value
        form.mode.data = shown.mode.value
        form.validity.data = shown.validity.value
        form.supersedes_index.data = (disclosure.supersedes.index_number
                                      if disclosure.supersedes else "")
        form.catalogue_entry.data = shown.catalogue_entry_id or 0
    form.catalogue_entry.choices = catalogue_queries.entry_choices(
        disclosure.catalogue_entry_id if disclosure is not None else None)
    form.organization.choices = [SelectChoice(o.id, o.full_name) for o in
                                 queries.editable_organizations(
                                     current_user, disclosure.organization if disclosure else None)]
    return form


def _input(form: DisclosureForm) -> services.DisclosureInput:
    return services.DisclosureInput(
        organization=get_organization(form.organization.data),
        category=Category(form.category.data), title=form.title.data or "",
        body_html=form.body_html.data or "", formed_on=form.formed_on.data,
        written_on=form.written_on.data, doc_number=(form.doc_number.data or "").strip(),
        topic=form.topic.data, keywords=(form.keywords.data or "").strip(),
        mode=Mode(form.mode.data), validity=Validity(form.validity.data),
        repealed_on=form.repealed_on.data, source=form.source.data or "",
        supersedes_index=form.supersedes_index.data or "", word_file=form.word_file.data or None,
        catalogue_entry_id=form.catalogue_entry.data or None,
    )


def _imported_word(form: DisclosureForm) -> bool:
    """When a Word file was chosen: import it into the form (the body, and 标题, 发文字号,
    成文日期, 信息来源 where empty) and say what was recognised; nothing is saved until the
    person checks the form and submits it again. False when no file was chosen."""
    file = form.word_file.data
    if request.method != "POST" or not getattr(file, "filename", ""):
        return False
    try:
        fill = content.import_word(
            file, title=form.title.data or "", doc_number=form.doc_number.data or "",
            has_written_on=bool("".join(form.written_on.raw_data or []).strip()),
            has_source=bool((form.source.data or "").strip()))
    except ValidationError as error:
        attach_error(form, error)
        return True
    form.body_html.data = fill.body_html
    for name, value in fill.filled.items():
        field = getattr(form, name)
        field.data = value
        field.raw_data = [value.isoformat() if isinstance(value, date) else str(value)]
    flash("已从 Word 文件导入正文，尚未保存：请核对正文和填入的内容后再点“"
          + ("提交修订审核" if isinstance(form, RevisionForm) else "保存") + "”。", "info")
    _flash_notes(fill.notes)
    return True


def _flash_notes(notes: list[str]) -> None:
    for note in notes:
        flash(note, "info")


@staff_bp.get("/")
@login_required
def staff_listing():
    status = request.args.get("status") or None
    if status and status not in {s.value for s in Status}:
        abort(400)
    page = queries.staff_listing(current_user, status=Status(status) if status else None,
                                 page=_int_arg("page") or 1,
                                 size=current_app.config["PAGE_SIZE"])
    return render_template("disclosures/staff_list.html", page=page, status=status,
                           statuses=list(Status))


@staff_bp.route("/new", methods=["GET", "POST"])
@accepts_uploads(files=1)  # the Word file whose text becomes the body
@accepts_long_text
@login_required
def new():
    form = _form()
    if not _imported_word(form) and form.validate_on_submit():
        notes: list[str] = []
        try:
            disclosure = services.create_draft(current_user, _input(form), notes)
        except ValidationError as error:
            attach_error(form, error)
        else:
            _flash_notes(notes)
            flash("草稿已保存。", "success")
            return redirect(url_for(".show", disclosure_id=disclosure.id))
    return render_template("disclosures/edit.html", form=form, disclosure=None), form_status(form)


@staff_bp.route("/<int:disclosure_id>/edit", methods=["GET", "POST"])
@accepts_uploads(files=1)
@accepts_long_text
@login_required
def edit(disclosure_id: int):
    disclosure = queries.get_for_staff(current_user, disclosure_id)
    if disclosure.status is Status.PUBLISHED:
        return _revise(disclosure)
    form = _form(disclosure)
    if not _imported_word(form) and form.validate_on_submit():
        notes: list[str] = []
        try:
            services.update(current_user, disclosure_id, _input(form), notes)
        except ValidationError as error:
            attach_error(form, error)
        else:
            _flash_notes(notes)
            flash("修改已保存，原内容已存为历史版本。", "success")
            return redirect(url_for(".show", disclosure_id=disclosure_id))
    return (render_template("disclosures/edit.html", form=form, disclosure=disclosure),
            form_status(form))


def _revise(disclosure):
    """The edit form of a published document: saving it proposes a revision."""
    pending = disclosure.pending_revision
    own = pending if pending is not None and pending.author_id == current_user.id else None
    form = _form(disclosure, RevisionForm, own.proposal if own else None)
    if own is not None and request.method == "GET":
        form.substantive.data, form.correction_note.data = own.substantive, own.correction_note
    places = None
    if not _imported_word(form) and form.validate_on_submit():
        notes: list[str] = []
        try:
            revisions.propose(current_user, disclosure.id, _input(form), _correction(form),
                              notes)
        except (ValidationError, Conflict) as error:
            attach_error(form, error)
            places = getattr(error, "places", None)
        else:
            _flash_notes(notes)
            flash("修订已提交审核。审核通过前，公众看到的仍是现行版本。", "success")
            return redirect(url_for(".show", disclosure_id=disclosure.id))
    return (render_template("disclosures/edit.html", form=form, disclosure=disclosure,
                            pending=pending, places=places), form_status(form))


def _correction(form: RevisionForm) -> revisions.Correction:
    return revisions.Correction(substantive=form.substantive.data,
                                note=form.correction_note.data or "",
                                suspected_checked=form.suspected_checked.data)


@staff_bp.get("/<int:disclosure_id>")
@login_required
def show(disclosure_id: int):
    return _render_show(disclosure_id)


def _render_show(disclosure_id: int, status: int = 200, places: list[str] | None = None,
                 revision_comment: str = ""):
    disclosure = queries.get_for_staff(current_user, disclosure_id)
    revision = disclosure.pending_revision
    return render_template("disclosures/staff_show.html", d=disclosure,
                           action_form=ActionForm(), review_form=ReviewForm(),
                           withdraw_form=WithdrawForm(), attachment_form=AttachmentForm(),
                           two_steps=queries.review_steps() == 2,
                           places=places if places is not None else privacy.places(disclosure),
                           clearable=privacy.has_only_suspected(disclosure),
                           file_states=file_scan, revision=revision,
                           changes=revision_diff.diff(disclosure, revision.proposal)
                           if revision else None,
                           revision_places=privacy.revision_places(revision) if revision else [],
                           revision_files=privacy.revision_files(revision) if revision else [],
                           may_review=revision is not None
                           and revisions.may_review(current_user, revision),
                           may_amend=revision is not None
                           and revisions.may_amend(current_user, revision),
                           revision_comment=revision_comment), status


@staff_bp.get("/<int:disclosure_id>/versions/<int:number>")
@login_required
def version(disclosure_id: int, number: int):
    disclosure = queries.get_for_staff(current_user, disclosure_id)
    kept = next((v for v in disclosure.versions if v.number == number), None)
    if kept is None:
        abort(404)
    return render_template("disclosures/version.html", d=disclosure, version=kept)


def _act(disclosure_id: int, operation, message: str, *args, **kwargs):
    """Run a one-button operation; a refused one comes back as a message on the page."""
    return run_action(operation, disclosure_id, *args, done=message,
                      page_url=url_for(".show", disclosure_id=disclosure_id),
                      show=lambda error: _render_show(disclosure_id, error.status,
                                                      getattr(error, "places", None)),
                      refused=(ValidationError, Conflict), code=302, **kwargs)


@staff_bp.post("/<int:disclosure_id>/submit")
@login_required
def submit(disclosure_id: int):
    return _act(disclosure_id, services.submit, "已提交审核。")


@staff_bp.post("/<int:disclosure_id>/approve")
@login_required
def approve(disclosure_id: int):
    return _act(disclosure_id, services.approve, "审核通过。",
                request.form.get("comment", ""))


@staff_bp.post("/<int:disclosure_id>/reject")
@login_required
def reject(disclosure_id: int):
    return _act(disclosure_id, services.reject, "已退回修改。", request.form.get("comment", ""))


@staff_bp.post("/<int:disclosure_id>/publish")
@login_required
def publish(disclosure_id: int):
    return _act(disclosure_id, services.publish, "已发布，公众现在可以看到。")


@staff_bp.post("/<int:disclosure_id>/withdraw")
@login_required
def withdraw(disclosure_id: int):
    return _act(disclosure_id, services.withdraw, "已撤回。", request.form.get("reason", ""))


def _files_done(done: str):
    """The message after a change of attachments: on a published document it waits."""
    return lambda disclosure: (done + "修改已加入待审核的修订，审核通过后对公众生效。"
                               if disclosure.status is Status.PUBLISHED else done)


@staff_bp.post("/<int:disclosure_id>/attachments")
@accepts_uploads(files=FILES_PER_REQUEST)
@login_required
def upload(disclosure_id: int):
    return _act(disclosure_id, services.add_attachments,
                _files_done("附件已上传并完成个人信息检查。"),
                request.files.getlist("files"), confirmed=bool(request.form.get("confirmed")))


@staff_bp.post("/<int:disclosure_id>/attachments/<int:file_id>/confirm")
@login_required
def confirm_attachment(disclosure_id: int, file_id: int):
    return _act(disclosure_id, privacy.confirm_attachment, "已记录人工核对结果。", file_id)


@staff_bp.post("/<int:disclosure_id>/mask")
@login_required
def mask(disclosure_id: int):
    return _act(disclosure_id, privacy.mask_personal_data, "个人信息已打码。")


@staff_bp.post("/<int:disclosure_id>/clear-suspected")
@login_required
def clear_suspected(disclosure_id: int):
    return _act(disclosure_id, privacy.clear_suspected,
                "已记录：疑似号码经人工核对不是个人信息。")


@staff_bp.post("/<int:disclosure_id>/attachments/<int:file_id>/delete")
@login_required
def remove_attachment(disclosure_id: int, file_id: int):
    return _act(disclosure_id, services.remove_attachment, _files_done("附件已删除。"), file_id)


@staff_bp.get("/<int:disclosure_id>/attachments/<int:file_id>")
@login_required
def staff_attachment(disclosure_id: int, file_id: int):
    return send_stored_file(queries.staff_file(current_user, disclosure_id, file_id))


def _decide(disclosure_id: int, operation, message: str, comment: str, **kwargs):
    """A reviewer's decision on the pending revision; a refusal shows the page again with
    the typed comment kept."""
    return run_action(operation, disclosure_id, comment, done=message,
                      page_url=url_for(".show", disclosure_id=disclosure_id),
                      show=lambda error: _render_show(disclosure_id, error.status,
                                                      revision_comment=comment),
                      refused=(ValidationError, Conflict, revisions.OwnRevision), code=302,
                      **kwargs)


@staff_bp.post("/<int:disclosure_id>/revision/approve")
@login_required
def approve_revision(disclosure_id: int):
    return _decide(disclosure_id, revisions.approve,
                   "修订已审核通过，公众现在看到的是修订后的内容。",
                   request.form.get("comment", ""), seen=request.form.get("seen", ""))


@staff_bp.post("/<int:disclosure_id>/revision/return")
@login_required
def return_revision(disclosure_id: int):
    return _decide(disclosure_id, revisions.send_back, "修订已退回，公开内容不变。",
                   request.form.get("comment", ""))


@staff_bp.post("/<int:disclosure_id>/revision/discard")
@login_required
def discard_revision(disclosure_id: int):
    return _act(disclosure_id, revisions.discard, "修订已撤销，公开内容不变。")
