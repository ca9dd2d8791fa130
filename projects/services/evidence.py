"""佐证材料: files attached to a form or to one of its 三级 rows.

What a file is is decided by its bytes, never by its name: PDF, JPG/PNG, Word/Excel
(.docx/.xlsx: a zip, put through the import's zip bomb, encryption and macro checks
in ``projects.imports.safety``), OFD (a zip with ``OFD.xml``, the same size checks)
and old Office 97-2003 files (the OLE2 signature). Anything else is refused.

A batch is all or nothing: every file is checked first (type, size, the form's total)
and one refusal stores none of them, so a refused file leaves no row and no stored
file. Files are kept in Django's default storage under a random key; the name shown
is the uploaded one, cleaned. Each upload and removal is an entry of the form's 修改记录.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum

from projects.history import change, event_record
from projects.imports import safety
from projects.imports.base import ImportFailure, human_size
from projects.models import EVIDENCE_NAME_MAX, Evaluation, EvaluationEvent, Evidence, Indicator
from projects.text import clean_text

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

STORAGE_FOLDER = "evidence"
WHERE = "佐证材料"
PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFD = "application/ofd"
DOC, XLS = "application/msword", "application/vnd.ms-excel"
# Shown by the browser itself (sandboxed); everything else is downloaded.
INLINE_TYPES = frozenset({PDF, JPEG, PNG})
ACCEPTED_TEXT = "PDF、JPG/PNG 图片、Word/Excel（.docx/.xlsx/.doc/.xls）、OFD"


class EvidenceRefused(Exception):
    """An upload refused as a whole; ``messages`` name each refused file (Chinese)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Checked:
    """One accepted file, before it is stored."""

    name: str
    data: bytes
    content_type: str


def max_file_bytes() -> int:
    return int(settings.EVIDENCE_MAX_FILE_BYTES)


def max_form_bytes() -> int:
    return int(settings.EVIDENCE_MAX_FORM_BYTES)


def limits_text() -> str:
    """The rules in words, for the upload input."""
    return (
        f"可上传 {ACCEPTED_TEXT}；每个文件不超过 {human_size(max_file_bytes())}，"
        f"每张自评表合计不超过 {human_size(max_form_bytes())}"
    )


def clean_name(name: str) -> str:
    """The uploaded name as shown: no folders, no invisible characters, within its limit."""
    base = (
        clean_text(name.replace("\\", "/").rsplit("/", 1)[-1]).replace("\n", "").replace("\t", " ")
    )
    base = base.strip().strip(".") or "未命名文件"
    if len(base) > EVIDENCE_NAME_MAX:
        stem, extension = os.path.splitext(base)
        extension = extension[:16]
        base = stem[: EVIDENCE_NAME_MAX - len(extension)] + extension
    return base


def detect_type(name: str, data: bytes) -> str:
    """The content type of ``data`` by its bytes, or ImportFailure naming the file."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(safety.OLE_MAGIC):
        return XLS if name.lower().endswith((".xls", ".et")) else DOC
    if data.startswith(safety.ZIP_MAGIC):
        return _zip_type(data)
    raise ImportFailure(f"内容不是可接受的佐证材料类型（只接受 {ACCEPTED_TEXT}）")


def _zip_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except Exception:  # zipfile raises many types on a damaged central directory
        raise ImportFailure("文件已损坏（无法作为 zip 压缩包打开）") from None
    folders = {name.split("/", 1)[0] + "/" for name in names}
    if safety.WORD.folder in folders:
        safety.check_package(data, safety.WORD)
        return DOCX
    if safety.EXCEL.folder in folders:
        safety.check_package(data, safety.EXCEL)
        return XLSX
    if "OFD.xml" in names:
        _check_ofd(data)
        return OFD
    raise ImportFailure(f"是一个压缩包，但不是 Word/Excel/OFD 文件（只接受 {ACCEPTED_TEXT}）")


def _check_ofd(data: bytes) -> None:
    """An OFD is a zip of XML parts too: the same bomb and encryption checks as Office's."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        safety._check_sizes(infos)  # the import's zip bomb limits, shared on purpose
        if any(info.flag_bits & 0x1 for info in infos):
            raise ImportFailure("文件中有加密的内容，请取消加密后再上传")


def _check_one(uploaded: UploadedFile) -> Checked:
    name = clean_name(uploaded.name or "")
    if uploaded.size is not None and uploaded.size > max_file_bytes():
        raise EvidenceRefused([f"「{name}」超过 {human_size(max_file_bytes())} 上限"])
    data = uploaded.read()
    if not data:
        raise EvidenceRefused([f"「{name}」是空文件"])
    if len(data) > max_file_bytes():
        raise EvidenceRefused([f"「{name}」超过 {human_size(max_file_bytes())} 上限"])
    try:
        content_type = detect_type(name, data)
    except ImportFailure as exc:
        raise EvidenceRefused([f"「{name}」{exc.detail}"]) from None
    return Checked(name, data, content_type)


def check_files(evaluation: Evaluation, files: Iterable[UploadedFile]) -> list[Checked]:
    """Every file checked; EvidenceRefused with one message per refused file."""
    checked, refused = [], []
    for uploaded in files:
        try:
            checked.append(_check_one(uploaded))
        except EvidenceRefused as exc:
            refused += exc.messages
    if refused:
        raise EvidenceRefused(refused)
    if not checked:
        raise EvidenceRefused(["请选择要上传的文件"])
    stored = Evidence.objects.filter(evaluation=evaluation).aggregate(total=Sum("size"))["total"]
    total = (stored or 0) + sum(len(item.data) for item in checked)
    if total > max_form_bytes():
        names = "、".join(f"「{item.name}」" for item in checked)
        raise EvidenceRefused(
            [
                f"上传{names}后本表佐证材料合计 {human_size(total)}，"
                f"超过每张自评表 {human_size(max_form_bytes())} 的上限"
            ]
        )
    return checked


def _where(indicator: Indicator | None) -> str:
    if indicator is None:
        return "整表"
    return f"三级指标第{indicator.position}行「{indicator.name}」"


def evidence_upload(
    *,
    evaluation: Evaluation,
    user: User,
    files: Iterable[UploadedFile],
    indicator: Indicator | None = None,
) -> list[Evidence]:
    """Check every file, then store all of them, or none (EvidenceRefused)."""
    checked = check_files(evaluation, files)
    keys: list[str] = []
    try:
        with transaction.atomic():
            Evaluation.objects.select_for_update().filter(pk=evaluation.pk).first()
            created = []
            for item in checked:
                key = default_storage.save(
                    f"{STORAGE_FOLDER}/{secrets.token_hex(16)}", ContentFile(item.data)
                )
                keys.append(key)
                created.append(
                    Evidence.objects.create(
                        evaluation=evaluation,
                        indicator=indicator,
                        name=item.name,
                        key=key,
                        sha256=hashlib.sha256(item.data).hexdigest(),
                        size=len(item.data),
                        content_type=item.content_type,
                        uploaded_by=user,
                    )
                )
            names = "、".join(f"「{item.name}」" for item in checked)
            event_record(
                evaluation=evaluation,
                user=user,
                kind=EvaluationEvent.Kind.EVIDENCE,
                comment=f"上传佐证材料{names}（{_where(indicator)}）",
                changes=[change(WHERE, _where(indicator), "", item.name) for item in checked],
            )
    except BaseException:
        for key in keys:  # the rows are rolled back; the stored files go too
            default_storage.delete(key)
        raise
    return created


def evidence_remove(*, evidence: Evidence, user: User) -> None:
    """Remove one file: its row now, its stored file once that is committed."""
    evaluation, key = evidence.evaluation, evidence.key
    where = _where(evidence.indicator)
    with transaction.atomic():
        evidence.delete()
        event_record(
            evaluation=evaluation,
            user=user,
            kind=EvaluationEvent.Kind.EVIDENCE,
            comment=f"删除佐证材料「{evidence.name}」（{where}）",
            changes=[change(WHERE, where, evidence.name, "")],
        )
        transaction.on_commit(lambda: default_storage.delete(key))


def evidence_list(evaluation: Evaluation) -> list[Evidence]:
    """The form's files with their rows and uploaders, in upload order (one query)."""
    return list(
        Evidence.objects.filter(evaluation=evaluation).select_related("indicator", "uploaded_by")
    )


def evidence_context(evaluation: Evaluation, *, editable: bool) -> dict[str, object]:
    """What the form page's 佐证材料 section shows (one query, whatever the number of files)."""
    files = evidence_list(evaluation)
    counts: dict[int, int] = {}
    for item in files:
        if item.indicator_id is not None:
            counts[item.indicator_id] = counts.get(item.indicator_id, 0) + 1
    return {
        "evidence_files": files,
        "evidence_rows": [(row, counts.get(row.pk, 0)) for row in evaluation.indicators.all()],
        "evidence_editable": editable,
        "evidence_limits": limits_text(),
    }
