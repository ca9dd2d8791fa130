"""Text as the app stores it: what XML can hold, ``\\n`` line endings, within its limit.

Every path that takes text in runs it through ``clean_text``: the form fields of
every page (``CleanCharField``), the reviewer's comments, the importers (Word,
Excel, JSON) and, as the last line, the services and ``/admin/``. The exporters
strip the same characters once more when they write (a form stored before this
rule, or by hand in the database, still exports).

What is removed is invisible: control characters that Word and Excel paste along
(U+0000–U+0008, U+000B, U+000C, U+000E–U+001F), the non-characters U+FFFE and
U+FFFF, and lone surrogates (half of a UTF-16 pair, which no file or page can
encode; only a JSON ``\\ud83d`` escape can produce one). XML 1.0 — and so every
.docx, .xlsx and the PDF's HTML — cannot hold any of them, so nothing a person
could see is lost. An importer refuses a lone surrogate instead (it is the broken
half of a character that was meant to be there), naming the form and field.

The longest text of each field is in ``projects.models`` (输入限制, docs/deploy.md):
forms and importers refuse longer text with ``too_long``, never cut it.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
ERROR_TOO_LONG = "「{label}」最多 {limit} 字，现为 {length} 字，请删减"
ERROR_LONE_SURROGATE = (
    "「{label}」含有无法识别的残缺字符（{code}，多为复制时截断的表情或生僻字），请删除后重新导入"
)
EXCERPT_LENGTH = 40


def clean_text(value: str) -> str:
    """``value`` without the characters XML cannot hold, its line endings as ``\\n``.

    Tabs and line breaks are kept; nothing else is changed (no trimming).
    """
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return XML_INVALID.sub("", value)


def lone_surrogate(value: str) -> str | None:
    """The first lone surrogate of ``value`` as "U+D83D", or None."""
    found = LONE_SURROGATE.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def too_long(label: str, limit: int, value: str) -> str | None:
    """The message for text over its limit (in characters), or None when it fits."""
    if len(value) <= limit:
        return None
    return ERROR_TOO_LONG.format(label=label, limit=limit, length=len(value))


def excerpt(value: object, length: int = EXCERPT_LENGTH) -> str:
    """Input quoted in a message: cleaned and shortened, so that the message can be shown."""
    text = clean_text(str(value))
    return text if len(text) <= length else f"{text[:length]}…"


class CleanCharField(forms.CharField):
    """A text field of any form of the app: ``clean_text``, then the length check.

    Text over ``max_length`` is refused with a message naming the field, its limit
    and the length typed (``ERROR_TOO_LONG``). The widget gets no ``maxlength``
    attribute: a browser would cut pasted text silently.
    """

    def __init__(self, *, max_length: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length

    def widget_attrs(self, widget: forms.Widget) -> dict[str, str]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def to_python(self, value: object) -> str | None:  # type: ignore[override]
        if isinstance(value, str):
            value = clean_text(value)
        return super().to_python(value)

    def validate(self, value: str | None) -> None:
        super().validate(value)
        if self.max_length is not None and value:
            message = too_long(str(self.label or "此项"), self.max_length, value)
            if message:
                raise ValidationError(message, code="max_length")


def clean_instance_text(instance: models.Model) -> None:
    """``clean_text`` on every text field of a model instance (the services' last line)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(instance, field.attname)
            if isinstance(value, str):
                cleaned = clean_text(value)
                if cleaned != value:
                    setattr(instance, field.attname, cleaned)


# ``formfield_overrides`` of every ModelAdmin and inline: /admin/ cleans and refuses too.
ADMIN_TEXT_FIELDS = {
    models.CharField: {"form_class": CleanCharField},
    models.TextField: {"form_class": CleanCharField},
}
