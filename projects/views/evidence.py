"""佐证材料 of a form: upload and remove (the form's filler), download (the form's scope).

Thin views over ``projects.services.evidence``. The upload counts bytes as they arrive
(``LimitedUploadHandler`` with the 佐证材料 limits), so it is ``csrf_exempt`` and checks
CSRF itself once the handler is installed, like the import page. A download is served
as an attachment, except PDF and images, which the browser shows inline — sandboxed
(``Content-Security-Policy: sandbox``) and never sniffed as anything else.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_safe

from projects.decorators import NOT_FOUND, post_only_form
from projects.imports.uploads import LimitedUploadHandler
from projects.models import Evaluation, Evidence
from projects.permissions import can_edit, fills
from projects.selectors.evaluations import evaluations_for_user, get_evaluation_for_user
from projects.services.evidence import (
    INLINE_TYPES,
    EvidenceRefused,
    evidence_remove,
    evidence_upload,
    max_file_bytes,
    max_form_bytes,
)

ERROR_LOCKED = "本表当前不能修改（已提交、已审核通过或填报年度已关闭），佐证材料不能上传或删除。"
ERROR_UNKNOWN_ROW = "没有找到要上传佐证材料的三级指标行，请刷新页面后重试。"
NOT_FOUND_FILE = "没有找到该佐证材料，或您无权查看。"


def _editable(request: HttpRequest, pk: int) -> Evaluation | None:
    """The form if the user may change its files; None (with a message) when it is locked.

    Outside the scope: 404; in it but not the form's filler: 403.
    """
    evaluation = get_evaluation_for_user(request.user, pk)
    if can_edit(request.user, evaluation):
        return evaluation
    if fills(request.user, evaluation):
        messages.error(request, ERROR_LOCKED)
        return None
    raise PermissionDenied(ERROR_LOCKED)


def _back(pk: int) -> HttpResponse:
    return redirect(f"{reverse('evaluation_detail', args=[pk])}#evidence")


@csrf_exempt  # CSRF is checked by _upload_post, once the size limits are installed
@login_required
@post_only_form
def evidence_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    handler = LimitedUploadHandler(
        request, file_limit=max_file_bytes(), batch_limit=max_form_bytes()
    )
    request.upload_handlers.insert(0, handler)
    return _upload_post(request, pk, handler)


@csrf_protect
def _upload_post(request: HttpRequest, pk: int, handler: LimitedUploadHandler) -> HttpResponse:
    evaluation = _editable(request, pk)
    if evaluation is None:
        return _back(pk)
    files = request.FILES.getlist("files")
    if handler.stopped:
        messages.error(request, handler.stopped)
        return _back(pk)
    indicator = None
    if request.POST.get("indicator"):
        indicator = next(
            (
                row
                for row in evaluation.indicators.all()
                if str(row.pk) == request.POST["indicator"]
            ),
            None,
        )
        if indicator is None:
            messages.error(request, ERROR_UNKNOWN_ROW)
            return _back(pk)
    if handler.skipped:
        for name in handler.skipped:
            messages.error(request, f"「{name}」超过每个文件的大小上限，未上传")
        messages.error(request, "这次选择的文件都没有上传，请去掉过大的文件后重试。")
        return _back(pk)
    try:
        created = evidence_upload(
            evaluation=evaluation, user=request.user, files=files, indicator=indicator
        )
    except EvidenceRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
        if len(files) > 1:
            messages.error(request, "这次选择的文件都没有上传，请去掉被拒绝的文件后重试。")
        return _back(pk)
    names = "、".join(f"「{item.name}」" for item in created)
    messages.success(request, f"已上传佐证材料{names}。")
    return _back(pk)


@login_required
@post_only_form
def evidence_remove_view(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponse:
    evaluation = _editable(request, pk)
    if evaluation is None:
        return _back(pk)
    evidence = (
        Evidence.objects.select_related("indicator", "evaluation")
        .filter(pk=evidence_id, evaluation=evaluation)
        .first()
    )
    if evidence is None:
        raise Http404(NOT_FOUND_FILE)
    evidence_remove(evidence=evidence, user=request.user)
    messages.success(request, f"已删除佐证材料「{evidence.name}」。")
    return _back(pk)


@login_required
@require_safe
def evidence_download(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    if not evaluations_for_user(request.user).filter(pk=pk).exists():
        raise Http404(NOT_FOUND)
    evidence = Evidence.objects.filter(pk=evidence_id, evaluation_id=pk).first()
    if evidence is None:
        raise Http404(NOT_FOUND_FILE)
    try:
        handle = default_storage.open(evidence.key, "rb")
    except (FileNotFoundError, OSError):
        raise Http404(NOT_FOUND_FILE) from None
    inline = evidence.content_type in INLINE_TYPES
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
