"""Upload size limits enforced while the body is received, not after it is stored.

Django parses a multipart body in full (spilling files to FILE_UPLOAD_TEMP_DIR)
before a view sees it, so a check in the form or the view runs after a 100 MB file
was received and written. The import page and the bulk import instead
call ``upload_limit_install`` before anything reads ``request.POST``/``FILES``:

- a ``Content-Length`` over ``IMPORT_MAX_BATCH_BYTES`` is refused before the body
  is read at all;
- ``LimitedUploadHandler``, first of the request's upload handlers, counts every
  file's bytes as they arrive: a file over ``IMPORT_MAX_UPLOAD_BYTES`` is dropped at
  the limit (``SkipFile``: its partial temporary file is closed and deleted, the
  rest of it read and thrown away), and once all files together pass the batch
  limit the upload stops (``StopUpload``) and no file is kept.

The CSRF check reads the body, so such a view is ``csrf_exempt`` and checks CSRF
itself with ``csrf_protect`` after installing the handler (Django's "Modifying
upload handlers on the fly"). The proxy in front must refuse bodies over the batch
limit too (docs/deploy.md: nginx ``client_max_body_size``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest

from projects.imports.base import human_size, max_upload_bytes
from projects.imports.preview import max_forms_per_file

DEFAULT_MAX_BATCH_BYTES = 200 * 1024 * 1024
REQUEST_ATTRIBUTE = "selfeval_upload_limit"


def max_batch_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BATCH_BYTES", DEFAULT_MAX_BATCH_BYTES))


def file_too_big(name: str, limit: int | None = None) -> str:
    return f"文件「{name}」超过 {human_size(limit or max_upload_bytes())} 上限，未上传"


def batch_too_big(size: int | None = None) -> str:
    total = f"共 {human_size(size)}，" if size else ""
    return (
        f"这次上传的文件{total}合计超过 {human_size(max_batch_bytes())} 上限，未上传；请分几批上传"
    )


def upload_limits_text() -> str:
    """The limits in words, for the upload forms."""
    return (
        f"每个文件不超过 {human_size(max_upload_bytes())}、最多 {max_forms_per_file()} 张自评表，"
        f"一次上传合计不超过 {human_size(max_batch_bytes())}"
    )


class LimitedUploadHandler(FileUploadHandler):
    """Drops a file at the per-file limit and stops the upload at the batch limit.

    ``skipped``: the names of the files dropped; ``stopped``: why the whole upload
    was stopped ("" if it was not). The handler keeps no data: the next handlers
    (memory or temporary file) store what it lets through.
    """

    def __init__(self, request: HttpRequest, *, file_limit: int, batch_limit: int) -> None:
        super().__init__(request)
        self.file_limit, self.batch_limit = file_limit, batch_limit
        self.file_bytes = self.batch_bytes = 0
        self.skipped: list[str] = []
        self.stopped = ""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.file_bytes += len(raw_data)
        self.batch_bytes += len(raw_data)
        if self.batch_bytes > self.batch_limit:
            self.stopped = batch_too_big()
            raise StopUpload(connection_reset=False)
        if self.file_bytes > self.file_limit:
            self.skipped.append(self.file_name or "上传的文件")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file


def upload_limit_install(request: HttpRequest) -> str:
    """Before the body is read: why the upload is refused outright, or "" (limits installed)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_batch_bytes():
        return batch_too_big(length)
    handler = LimitedUploadHandler(
        request, file_limit=max_upload_bytes(), batch_limit=max_batch_bytes()
    )
    request.upload_handlers.insert(0, handler)
    setattr(request, REQUEST_ATTRIBUTE, handler)
    return ""


def upload_refusals(request: HttpRequest) -> tuple[str, list[str]]:
    """After the body was read: (why the whole upload stopped or "", files dropped)."""
    handler = getattr(request, REQUEST_ATTRIBUTE, None)
    if handler is None:
        return "", []
    request.FILES  # noqa: B018 -- the body is parsed (with the handler) at the latest here
    return handler.stopped, list(handler.skipped)
