"""The one shape every exporter has (adding one: docs/architecture.md「… an exporter」).

An exporter has an ``identifier`` (used in URLs and ``export_forms --format``), a
Chinese ``verbose_name`` for buttons, a ``content_type`` and an ``extension``.

Two kinds (``registry`` lists them):

- a form exporter (``FormExporter``) renders one form from its sheet: ``render(sheet)``
  returns a ``Rendered`` ``(filename, content_type, content)``;
- a year exporter (``YearExporter``) exports a queryset of forms (already scoped to
  the user), iterating it in chunks. Views send ``render(...)``, whose content is an
  iterator of ``bytes`` (a stream); the jobs and ``export_forms`` call ``write(...)``
  into an open file, and name the file with ``filename(title)``; ``stream(...)`` is
  the content alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import IO, Any, ClassVar, NamedTuple, Protocol

from django.db.models import QuerySet

from projects.exports.sheet import Sheet
from projects.models import Evaluation
from projects.text import clean_text

Content = bytes | Iterator[bytes]
# Called once per form as the forms stream by: a filter on what only scoring knows
# (等级, errors), or a job counting its progress; False leaves the form out. It gets
# the exporter's own view of the form: a ``Sheet``, the summary's ``SummaryForm`` (the
# same form-level names) or, for the JSON, the form's interchange dict.
Keep = Callable[[Sheet], bool] | Callable[[Any], bool] | None


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

    def filename(self, title: str) -> str:
        """The file's name for a selection called ``title`` ("2023年度_汇总表.xlsx")."""
        ...

    def write(
        self, evaluations: QuerySet[Evaluation], target: IO[bytes], *, title: str, keep: Keep = None
    ) -> int:
        """Write the export into an open binary file; return the number of forms in it."""
        ...

    def stream(
        self, evaluations: QuerySet[Evaluation], *, title: str, keep: Keep = None
    ) -> Iterator[bytes]:
        """The export's bytes, chunk by chunk."""
        ...

    def render(
        self, evaluations: QuerySet[Evaluation], *, title: str, keep: Keep = None
    ) -> Rendered:
        """``(filename(title), content_type, stream(...))``, for a download."""
        ...


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
