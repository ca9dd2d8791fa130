"""The interchange JSON (docs/rules.md, ``export_forms --format json``), read back."""

from __future__ import annotations

import dataclasses
import json

from projects.imports.base import ImportFailure, Source, check_forms, read_source
from projects.interchange import FormData, InterchangeError, read_document, unread_keys

BROKEN = "不是有效的 UTF-8 JSON 文件"


class JsonImporter:
    identifier = "json"
    verbose_name = "JSON"
    extensions = (".json",)

    def parse(self, source: Source, *, filename: str | None = None) -> list[FormData]:
        data, name = read_source(source, filename)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFailure(BROKEN, filename=name) from None
        try:
            raw = json.loads(text)
        except RecursionError:
            raise ImportFailure(f"{BROKEN}（嵌套层数过深）", filename=name) from None
        except ValueError as exc:  # JSONDecodeError, and integers too long to convert
            raise ImportFailure(f"{BROKEN}（{_where(exc)}）", filename=name) from None
        try:
            forms = read_document(raw)
        except InterchangeError as exc:
            raise ImportFailure(str(exc), filename=name) from None
        except RecursionError:
            raise ImportFailure("文件结构嵌套过深", filename=name) from None
        # Keys nothing reads (added by hand or by another program) are said, not dropped.
        forms = [
            dataclasses.replace(
                form,
                unplaced=tuple(
                    f"第{number}张表：字段「{key}」未导入" for key in unread_keys(raw_form)
                ),
            )
            for number, (form, raw_form) in enumerate(zip(forms, raw["forms"], strict=True), 1)
        ]
        return check_forms(forms, name)


def _where(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"第{exc.lineno}行第{exc.colno}列：{exc.msg}"
    return "数值过长"
