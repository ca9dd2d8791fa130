"""The one shape every importer has, and the one error type it may raise.

An importer has an ``identifier``, a Chinese ``verbose_name``, the file
``extensions`` it reads, and ``parse(source, *, filename=None) -> list[FormData]``.
``source`` is a path or the file's bytes. ``parse`` never writes anything and
raises nothing but ``ImportFailure``, whose message is Chinese and names the
file, the place in it (table and row, or sheet and cell) and what is wrong.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar, Protocol

from django.conf import settings

from projects.departments import department_key

# ``form_data_to_dict`` is the interchange writer's: the upload page keeps a preview in
# the session in that shape.
from projects.interchange import FormData, InterchangeError, form_data_to_dict  # noqa: F401

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
Source = bytes | bytearray | memoryview | str | os.PathLike


class ImportFailure(InterchangeError):
    """A file that cannot be imported. ``str()`` is the whole Chinese message."""

    def __init__(self, detail: str, *, filename: str = "", where: str = "") -> None:
        self.detail = detail
        self.filename = filename
        self.where = where
        super().__init__(self._message())

    def _message(self) -> str:
        place = f"文件「{self.filename}」" if self.filename else ""
        if self.where:
            place += self.where
        return f"{place}：{self.detail}" if place else self.detail

    def in_file(self, filename: str) -> ImportFailure:
        """The same failure, naming the file (readers deep inside don't know it)."""
        if self.filename:
            return self
        return ImportFailure(self.detail, filename=filename, where=self.where)


class Importer(Protocol):
    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]

    def parse(self, source: Source, *, filename: str | None = None) -> list[FormData]: ...


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} 字节"


def read_source(source: Source, filename: str | None = None) -> tuple[bytes, str]:
    """The bytes of ``source`` and the name to show, refusing anything over the size limit.

    A path's size is checked before it is read, so an oversized file is never loaded.
    """
    limit = max_upload_bytes()
    if isinstance(source, bytes | bytearray | memoryview):
        name = filename or "上传的文件"
        data = bytes(source)
    else:
        path = Path(source)
        name = filename or path.name
        try:
            size = path.stat().st_size
            if size > limit:
                raise ImportFailure(_too_big(size, limit), filename=name)
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFailure(f"无法读取文件（{exc.strerror or exc}）", filename=name) from None
    if len(data) > limit:
        raise ImportFailure(_too_big(len(data), limit), filename=name)
    if not data:
        raise ImportFailure("文件是空的", filename=name)
    return data, name


def _too_big(size: int, limit: int) -> str:
    return f"文件大小 {human_size(size)}，超过上限 {human_size(limit)}"


def check_forms(forms: list[FormData], filename: str) -> list[FormData]:
    """What every importer checks on a whole file: a form at all, no project twice.

    Two spellings of one 主管部门 (the same ``department_key``) are one department to
    the import, so their forms of one project and year are the same form twice.
    """
    if not forms:
        raise ImportFailure("文件中没有找到自评表", filename=filename)
    seen: dict[tuple[int, str, str], int] = {}
    for number, form in enumerate(forms, start=1):
        key = (form.year, department_key(form.department) or form.department, form.project_name)
        if key in seen:
            raise ImportFailure(
                f"第{seen[key]}张和第{number}张自评表是同一项目同一年度"
                f"（{form.year}年度「{form.project_name}」），请只保留一张",
                filename=filename,
            )
        seen[key] = number
    return forms
