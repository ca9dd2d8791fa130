"""Start-up check (``manage.py check``, runserver, migrate): PDF export prerequisites.

Registered when imported: ProjectsConfig.ready() imports this module.
"""

from __future__ import annotations

from django.core.checks import Tags, Warning, register

from projects.exports.pdf_engine import harfbuzz_subset_available


@register(Tags.compatibility)
def pdf_export_check(app_configs=None, **kwargs) -> list[Warning]:
    """Warn when WeasyPrint would subset fonts with fontTools (seconds per Chinese page)."""
    try:
        available = harfbuzz_subset_available()
    except OSError as exc:  # WeasyPrint's own libraries (Pango) are missing
        return [
            Warning(
                f"WeasyPrint 无法加载（{exc}），PDF 导出不可用。",
                hint="安装 Debian 软件包 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk。",
                id="selfeval.W001",
            )
        ]
    if available:
        return []
    return [
        Warning(
            "未找到 libharfbuzz-subset：WeasyPrint 将改用 fontTools 子集化字体，每页中文 PDF 需要数秒。",
            hint="安装 Debian 软件包 libharfbuzz-subset0。",
            id="selfeval.W002",
        )
    ]
