"""The one shape every exporter has (adding one: docs/architecture.md「… an exporter」).

An exporter has an ``identifier`` (used in URLs and ``export_forms --format``), a
Chinese ``verbose_name`` for buttons, and ``render(...)`` returning a ``Rendered``:
``(filename, content_type, content)`` where content is ``bytes`` or an iterator of
``bytes`` (a stream). Views and the management command only wrap what it returns.

Two kinds: a form exporter renders one form from its sheet; a year exporter renders
a queryset of forms (already scoped to the user) and iterates it in chunks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import ClassVar, NamedTuple, Protocol

from django.db.models import QuerySet

from projects.exports.sheet import Sheet
from projects.models import Evaluation
from projects.text import clean_text

Content = bytes | Iterator[bytes]
# A filter on what only scoring knows (等级, errors), applied while the forms stream by.
Keep = Callable[[Sheet], bool] | None


class Rendered(NamedTuple):
    filename: str
    content_type: str
    content: Content

    def read_all(self) -> bytes:
        """The whole content as bytes (tests and the command; never for a big stream)."""
        if isinstance(self.content, bytes):
            return self.content
        return b"".join(self.content)


class FormExporter(Protocol):
    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    content_type: ClassVar[str]
    extension: ClassVar[str]

    def render(self, sheet: Sheet) -> Rendered: ...


class YearExporter(Protocol):
    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    content_type: ClassVar[str]
    extension: ClassVar[str]

    def render(
        self, evaluations: QuerySet[Evaluation], *, title: str, keep: Keep = None
    ) -> Rendered: ...


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MAX_NAME_LENGTH = 80  # characters; archive tools and Windows paths choke on longer names


def safe_filename(text: str, *, fallback: str = "未命名") -> str:
    """A file name from user text: no path separators, control or reserved characters."""
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE.sub("_", clean_text(" ".join(text.split()))).strip(" ._")
    return text[:MAX_NAME_LENGTH].rstrip(" ._") or fallback


def form_filename(sheet: Sheet, extension: str) -> str:
    """ "2023年度_档案整理及数字化服务_绩效自评表.docx"."""
    return f"{sheet.year}年度_{safe_filename(sheet.project_name)}_绩效自评表.{extension}"
