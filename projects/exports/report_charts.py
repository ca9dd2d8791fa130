"""The charts of the 年度报告 as PNG images, drawn with matplotlib's Agg backend.

No window, no network: the Agg backend renders to memory, and the Chinese labels use
Noto Sans CJK (the ``fonts-noto-cjk`` package), found with ``fc-list`` and registered
with matplotlib's font manager once per process. Without that font every Chinese
label would be drawn as boxes, so a missing font stops the report with a message
saying what to install instead of producing an unreadable file.

Values come in as ``Decimal`` and integers; they become floats only here, as bar
lengths in pixels (the tables beside the charts print the exact figures).
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from collections.abc import Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")  # before pyplot: never a GUI backend on a server

from matplotlib import font_manager
from matplotlib.figure import Figure

FONT_FILE_NAMES = ("NotoSansCJK-Regular.ttc", "NotoSerifCJK-Regular.ttc")
FONT_FAMILY_PREFERENCE = ("Noto Sans CJK SC", "Noto Serif CJK SC")
ERROR_NO_FONT = (
    "生成年度报告的图表需要中文字体 Noto CJK（Debian/Ubuntu 软件包 fonts-noto-cjk），"
    "本机未找到（fc-list 中没有 NotoSansCJK-Regular.ttc）：请安装后重试"
)
WIDTH_INCHES = 6.3  # 16 cm: the width between the report's margins, less a little
DPI = 150
BLUE, ORANGE = "#4472c4", "#ed7d31"


class ChartFontMissing(RuntimeError):
    """The Chinese font for the charts is not installed (the message says which)."""


def _font_path() -> str:
    """The .ttc of Noto CJK as fontconfig knows it."""
    if shutil.which("fc-list") is None:
        raise ChartFontMissing(ERROR_NO_FONT)
    listed = subprocess.run(
        ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    paths = [line.split(":", 1)[0].strip() for line in listed.splitlines()]
    for name in FONT_FILE_NAMES:
        for path in paths:
            if path.endswith("/" + name):
                return path
    raise ChartFontMissing(ERROR_NO_FONT)


@functools.cache
def chart_font() -> str:
    """Register the Noto CJK collection with matplotlib; return the family to draw with."""
    font_manager.fontManager.addfont(_font_path())
    families = {font.name for font in font_manager.fontManager.ttflist}
    for family in FONT_FAMILY_PREFERENCE:
        if family in families:
            return family
    raise ChartFontMissing(ERROR_NO_FONT)


def _figure(height_inches: float) -> tuple[Figure, object]:
    figure = Figure(figsize=(WIDTH_INCHES, height_inches), dpi=DPI)
    axes = figure.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _fonts(family: str) -> dict[str, object]:
    return {"fontfamily": family, "fontsize": 9}


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[int | Decimal], *, unit: str = "张"
) -> bytes:
    """Vertical bars, one per label, each with its value written on top."""
    family = chart_font()
    figure, axes = _figure(2.6)
    positions = range(len(labels))
    heights = [float(value) for value in values]
    bars = axes.bar(positions, heights, color=BLUE, width=0.6)
    axes.set_xticks(list(positions), labels, **_fonts(family))
    axes.set_title(title, fontfamily=family, fontsize=10)
    axes.set_ylabel(unit, **_fonts(family))
    axes.bar_label(bars, labels=[str(value) for value in values], fontsize=8)
    axes.margins(y=0.15)
    return _png(figure)


def paired_bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal]]],
    *,
    unit: str,
) -> bytes:
    """Horizontal bars, two per label (全年预算数 and 全年执行数 of each 主管部门)."""
    family = chart_font()
    figure, axes = _figure(max(2.4, 0.36 * len(labels) + 1.0))
    height = 0.38
    rows = list(range(len(labels)))
    for index, ((name, values), colour) in enumerate(zip(series, (BLUE, ORANGE), strict=False)):
        offset = (index - 0.5) * height
        axes.barh(
            [row + offset for row in rows],
            [float(value) for value in values],
            height=height,
            color=colour,
            label=name,
        )
    axes.set_yticks(rows, labels, **_fonts(family))
    axes.invert_yaxis()  # the first department on top, as in the table
    axes.set_xlabel(unit, **_fonts(family))
    axes.set_title(title, fontfamily=family, fontsize=10)
    axes.legend(prop={"family": family, "size": 8}, loc="lower right")
    return _png(figure)
