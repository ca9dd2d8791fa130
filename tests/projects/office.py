"""LibreOffice in the tests: files saved the way a person saves them, and skipped without it.

``soffice(path, "pdf")`` converts with a profile of its own beside the file (parallel
conversions do not collide) and returns the converted file's path; ``needs_soffice``
skips a test on a machine without LibreOffice; ``bordered`` rules a built .docx's tables,
as every published form has them (a PDF's table is found by its lines).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pytest

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) 未安装"
)


def soffice(path: Path, target: str, outdir: Path | None = None) -> Path:
    """``path`` converted by LibreOffice to ``target`` (pdf, doc, xls, odt)."""
    folder = outdir or path.parent
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(folder),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return folder / f"{path.stem}.{target}"


def bordered(data: bytes) -> bytes:
    """The .docx with its tables ruled ("Table Grid"); the builders draw none."""
    document = docx.Document(io.BytesIO(data))
    for table in document.tables:
        table.style = "Table Grid"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
