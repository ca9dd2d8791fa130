"""The import page: upload Word/Excel/JSON files → preview with every finding → confirm.

Admins only (403 for anyone else). The
parsed preview is kept server-side in the uploader's session under a random token
(``imports.batches``): another user's token is a 404. Nothing is written before
the confirmation, and then each file is imported whole or not at all. Upload
sizes are limited while the body is received (``imports.uploads``).

A file whose 一级/二级 the taxonomy lacks is previewed with a choice per unknown
name (``imports.levels``); applying the choices re-describes that file in the
batch. Adding a name to the taxonomy there takes, besides the admin role, the
right to add 一级/二级 that ``/admin/`` asks for (a superuser has it).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from projects.decorators import named, post_only
from projects.forms.imports import MAX_FILES, ImportUploadForm, LevelMappingForm
from projects.imports import TaxonomyMap
from projects.imports.base import human_size, max_upload_bytes
from projects.imports.batches import batch_delete, batch_get, batch_replace, batch_store
from projects.imports.levels import ADD, level_notes, unknown_levels
from projects.imports.preview import (
    FilePreview,
    max_forms_per_file,
    preview_remapped,
    preview_upload,
)
from projects.imports.uploads import (
    file_too_big,
    max_batch_bytes,
    upload_limit_install,
    upload_refusals,
)
from projects.interchange import InterchangeError, read_form_dict
from projects.selectors.evaluations import is_admin, scoring_rules
from projects.services.imports import (
    ChangedSincePreview,
    changed_since_preview,
    evaluations_import,
)
from projects.services.manage import taxonomy_add

ERROR_ADMIN_ONLY = "只有管理员可以导入自评表。"
ERROR_BATCH_GONE = "没有找到这次上传的预览（可能已导入、已取消或已过期），请重新上传。"
ERROR_TAXONOMY_RIGHT = "只有有权修改指标体系的管理员可以把名称添加到指标体系，请选择现有的指标"
ERROR_NO_UNKNOWN_LEVELS = "文件「{name}」没有需要对应的指标分类"


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied(ERROR_ADMIN_ONLY)


def _batch(request: HttpRequest, token: str) -> list[FilePreview]:
    files = batch_get(request.session, token, user_id=request.user.pk)
    if files is None:
        raise Http404(ERROR_BATCH_GONE)
    return files


def may_add_levels(user) -> bool:
    """Whether the user may add a 一级/二级 to the taxonomy from the preview: an admin."""
    return is_admin(user)


def _upload_page(request: HttpRequest, form: ImportUploadForm, error: str = "") -> HttpResponse:
    context = {
        "form": form,
        "upload_error": error,
        "max_size": human_size(max_upload_bytes()),
        "max_batch": human_size(max_batch_bytes()),
        "max_files": MAX_FILES,
        "max_forms": max_forms_per_file(),
    }
    return render(request, "projects/imports/upload.html", context, status=413 if error else 200)


@csrf_exempt  # CSRF is checked by _upload_post, once the size limits are installed
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    if request.method != "POST":
        return _upload_page(request, ImportUploadForm())
    refused = upload_limit_install(request)  # before anything reads the body
    if refused:
        return _upload_page(request, ImportUploadForm(), refused)
    return _upload_post(request)


@csrf_protect
def _upload_post(request: HttpRequest) -> HttpResponse:
    stopped, skipped = upload_refusals(request)
    if stopped:
        return _upload_page(request, ImportUploadForm(), stopped)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid() and not (skipped and not request.FILES):
        return _upload_page(request, form)
    taxonomy, rules = TaxonomyMap.from_db(), scoring_rules()
    previews = [
        preview_upload(uploaded, taxonomy=taxonomy, rules=rules)
        for uploaded in form.cleaned_data.get("files", [])
    ]
    previews += [FilePreview(name, error=file_too_big(name)) for name in skipped]
    token = batch_store(request.session, user_id=request.user.pk, files=previews)
    return redirect("imports:preview", token=token)


@login_required
@require_safe
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    _require_admin(request)
    files = _batch(request, token)
    context = {
        "token": token,
        "files": files,
        "importable": [f for f in files if f.ok],
        "rejected": [f for f in files if not f.ok],
        "form_count": sum(len(f.forms) for f in files if f.ok),
        "may_add_levels": may_add_levels(request.user),
        "add_level": ADD,
    }
    return render(request, "projects/imports/preview.html", context)


def _preview_page(request: HttpRequest, token: str, **kwargs) -> str:
    return reverse("imports:preview", kwargs={"token": token})


@login_required
@post_only(_preview_page)
def import_levels(request: HttpRequest, token: str, index: int) -> HttpResponse:
    """Apply the uploader's choices for the unknown 一级/二级 of file ``index`` of a batch.

    The unknown names are found again in the taxonomy in force and the choices
    checked against them; a name to add is added first (all or none), then the
    file is described again in the batch. Bad input: a message, nothing changed.
    """
    _require_admin(request)
    files = _batch(request, token)
    if not 0 <= index < len(files):
        raise Http404(ERROR_BATCH_GONE)
    file, back = files[index], redirect("imports:preview", token=token)
    unknowns = unknown_levels(file.data, TaxonomyMap.from_db()) if file.unknown_levels else []
    if not unknowns:
        messages.error(request, ERROR_NO_UNKNOWN_LEVELS.format(name=file.filename))
        return back
    form = LevelMappingForm(request.POST, unknowns=unknowns)
    if form.adds and not may_add_levels(request.user):
        raise PermissionDenied(ERROR_TAXONOMY_RIGHT)
    if not form.is_valid():
        stale = form.has_error("__all__", "stale")
        errors = (
            form.non_field_errors() if stale else [e for es in form.errors.values() for e in es]
        )
        for error in errors:
            messages.error(request, f"「{file.filename}」：{error}")
        if stale:  # show the list as it is now
            _replace(request, token, index, preview_remapped(file, {}))
        return back
    choices = form.choices()
    added = [key for key, to in choices.items() if to == ADD]
    if added:
        try:
            taxonomy_add(actor=request.user, names=added)
        except ValidationError as exc:
            messages.error(
                request, f"「{file.filename}」：未能添加到指标体系：{'；'.join(exc.messages)}"
            )
            return back
    file = preview_remapped(file, choices, rules=scoring_rules())
    _replace(request, token, index, file)
    applied = "；".join(item.text for item in file.levels_applied[-len(choices) :])
    messages.success(request, f"「{file.filename}」：已应用对应关系：{applied}")
    return back


def _replace(request: HttpRequest, token: str, index: int, file: FilePreview) -> None:
    if not batch_replace(request.session, token, user_id=request.user.pk, index=index, file=file):
        raise Http404(ERROR_BATCH_GONE)


def _file_forms(file: FilePreview) -> tuple[list, list[int]]:
    """The forms of a previewed file and the versions the preview saw."""
    forms = [read_form_dict(raw, f"文件「{file.filename}」") for raw in file.data]
    return forms, [form.version for form in file.forms]


@login_required
@post_only(named("imports:preview"))
def import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Import every importable file; nothing if any form changed since the preview."""
    _require_admin(request)
    files = [file for file in _batch(request, token) if file.ok]
    changed = []
    for file in files:
        try:
            changed += changed_since_preview(*_file_forms(file))
        except InterchangeError:
            continue  # reported below, with the file
    if changed:
        batch_delete(request.session, token)
        messages.error(request, f"没有导入任何文件：{ChangedSincePreview(changed)}")
        return redirect("imports:upload")
    for file in files:
        try:
            forms, versions = _file_forms(file)
            # Checked again under lock: a save may still land between the two checks.
            imported = evaluations_import(
                forms=forms,
                user=request.user,
                versions=versions,
                notes=level_notes(file.levels_applied, len(forms)),
            )
        except InterchangeError as exc:
            messages.error(request, f"「{file.filename}」未导入：{exc}")
            continue
        created = sum(1 for item in imported if item.created)
        messages.success(
            request,
            f"「{file.filename}」：已导入 {len(imported)} 张自评表"
            f"（新建 {created} 张，更新 {len(imported) - created} 张）",
        )
    batch_delete(request.session, token)
    return redirect("imports:upload")


@login_required
@post_only(named("imports:preview"))
def import_cancel(request: HttpRequest, token: str) -> HttpResponse:
    _require_admin(request)
    _batch(request, token)
    batch_delete(request.session, token)
    messages.info(request, "已取消，本次上传的文件没有导入。")
    return redirect("imports:upload")
