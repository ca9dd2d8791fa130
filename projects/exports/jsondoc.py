"""The interchange JSON (``selfeval/1``) of many forms, as a year exporter.

The document is ``{"format": "selfeval/1", "forms": [...]}`` with one
``interchange.evaluation_to_dict`` per form, in the order of their ids, indented
and with Chinese as is; ``projects.imports.jsondoc`` reads it back. It is built
whole in memory before the first byte goes out: it is made for ``export_forms``,
not for a year of a big region in a request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import QuerySet

from projects.exports.base import Keep, Rendered, safe_filename
from projects.interchange import FORMAT, evaluation_to_dict
from projects.models import Evaluation
from projects.selectors.evaluations import evaluation_results, with_rows

CONTENT_TYPE = "application/json"


class JsonExporter:
    identifier = "json"
    verbose_name = "JSON 交换格式"
    content_type = CONTENT_TYPE
    extension = "json"

    def filename(self, title: str) -> str:
        return f"{safe_filename(title)}_自评表.{self.extension}"

    def document(self, evaluations: QuerySet[Evaluation], *, keep: Keep = None) -> dict[str, Any]:
        """The document; ``keep`` gets each form's dict (its ``result`` has 等级 and findings)."""
        evaluations = with_rows(
            evaluations.select_related(
                "project", "project__department", "project__implementing_unit"
            )
        ).order_by("pk")
        forms = (evaluation_to_dict(e, r) for e, r in evaluation_results(evaluations))
        return {"format": FORMAT, "forms": [form for form in forms if keep is None or keep(form)]}

    def text(self, evaluations: QuerySet[Evaluation], *, keep: Keep = None) -> tuple[str, int]:
        """The document as text, and the number of forms in it."""
        document = self.document(evaluations, keep=keep)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        return text, len(document["forms"])

    def write(
        self,
        evaluations: QuerySet[Evaluation],
        target: IO[bytes],
        *,
        title: str = "",
        keep: Keep = None,
    ) -> int:
        """Write the document (UTF-8); ``title`` only names the file (``filename``)."""
        text, count = self.text(evaluations, keep=keep)
        target.write(text.encode())
        return count

    def stream(
        self, evaluations: QuerySet[Evaluation], *, title: str = "", keep: Keep = None
    ) -> Iterator[bytes]:
        text, _ = self.text(evaluations, keep=keep)
        return iter((text.encode(),))

    def render(
        self, evaluations: QuerySet[Evaluation], *, title: str, keep: Keep = None
    ) -> Rendered:
        stream = self.stream(evaluations, title=title, keep=keep)
        return Rendered(self.filename(title), self.content_type, stream)
