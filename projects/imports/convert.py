"""Old Word/Excel and WPS files (.doc, .xls, .wps, .et), converted by LibreOffice.

People still send Word/Excel 97-2003 files and WPS Office's own formats. Rather than
parse those binary formats ourselves, LibreOffice converts them to .docx/.xlsx and
the converted bytes go through ``DocxImporter``/``XlsxImporter`` like any upload
(so through ``safety.check_package`` too). Each conversion runs
``soffice --headless --convert-to docx|xlsx`` in a fresh temporary folder that is
removed afterwards, with its own LibreOffice profile there (two conversions at once
would otherwise fight over one profile's lock), never through a shell, and within
``IMPORT_CONVERT_TIMEOUT`` seconds: past that its whole process group is killed.

The content is checked before anything runs: the old formats are OLE2 compound
files (``D0 CF 11 E0 A1 B1 1A E1``). Newer WPS versions save OOXML under .wps/.et
names; such a zip needs no conversion and goes straight to the .docx/.xlsx importer.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import ClassVar

from django.conf import settings

from projects.imports.base import ImportFailure, Source, read_source
from projects.imports.excel import XlsxImporter
from projects.imports.safety import OLE_MAGIC, ZIP_MAGIC
from projects.imports.taxonomy import TaxonomyMap
from projects.imports.word import DocxImporter
from projects.interchange import FormData

DEFAULT_TIMEOUT = 60  # seconds; a form converts in one or two
COMMANDS = ("soffice", "libreoffice")  # Debian's libreoffice-*-nogui install both
KILL_GRACE = 5  # seconds to wait for a killed process group to be gone
OLE_MIN_BYTES = 3 * 512  # header, one allocation table sector, one directory sector
# Names of OLE2 streams, as the directory stores them (UTF-16LE), that say what is inside.
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_EXCEL_STREAMS = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # a password-protected .docx/.xlsx


@dataclass(frozen=True)
class OldFormat:
    extension: str  # ".doc"
    label: str  # "Word 97-2003 文档"
    program: str  # the program to save it again with: "Word"
    target: str  # "docx": what LibreOffice converts it to
    infilter: str  # LibreOffice's import filter for it

    @property
    def is_word(self) -> bool:
        return self.target == "docx"


# WPS 文字/表格 save in the Word/Excel 97 binary formats (LibreOffice's own type
# definitions list .wps and .et under them). The filter is named, not detected: a file
# LibreOffice cannot detect would otherwise be read as plain text, and "converted".
WORD_97, EXCEL_97 = "MS Word 97", "MS Excel 97"
FORMATS = {
    ".doc": OldFormat(".doc", "Word 97-2003 文档", "Word", "docx", WORD_97),
    ".wps": OldFormat(".wps", "WPS 文字文件", "WPS 文字", "docx", WORD_97),
    ".xls": OldFormat(".xls", "Excel 97-2003 工作簿", "Excel", "xlsx", EXCEL_97),
    ".et": OldFormat(".et", "WPS 表格文件", "WPS 表格", "xlsx", EXCEL_97),
}


def convert_timeout() -> float:
    return float(getattr(settings, "IMPORT_CONVERT_TIMEOUT", DEFAULT_TIMEOUT))


def soffice_path() -> str | None:
    """LibreOffice's command on this server, or None when it is not installed."""
    for command in COMMANDS:
        found = shutil.which(command)
        if found:
            return found
    return None


class _ConvertedImporter:
    """Reads an old-format file by converting it and handing it to ``target``."""

    extensions: ClassVar[tuple[str, ...]]
    target: ClassVar[type[DocxImporter] | type[XlsxImporter]]

    def __init__(self, taxonomy: TaxonomyMap | None = None) -> None:
        self._taxonomy = taxonomy

    def parse(self, source: Source, *, filename: str | None = None) -> list[FormData]:
        data, name = read_source(source, filename)
        extension = PurePath(name).suffix.lower()
        old = FORMATS[extension if extension in self.extensions else self.extensions[0]]
        importer = self.target(self._taxonomy)
        if data.startswith(ZIP_MAGIC):
            # Newer WPS (and a renamed .docx/.xlsx): OOXML already, checked as such.
            return importer.parse(data, filename=name)
        try:
            check_old_format(data, old)
            converted = convert(data, old)
        except ImportFailure as failure:
            raise failure.in_file(name) from None
        return importer.parse(converted, filename=name)


class DocImporter(_ConvertedImporter):
    identifier = "doc"
    verbose_name = "Word 97-2003 / WPS 文字"
    extensions = (".doc", ".wps")
    target = DocxImporter


class XlsImporter(_ConvertedImporter):
    identifier = "xls"
    verbose_name = "Excel 97-2003 / WPS 表格"
    extensions = (".xls", ".et")
    target = XlsxImporter


def check_old_format(data: bytes, old: OldFormat) -> None:
    """Refuse what is not an OLE2 file of the expected kind, before LibreOffice sees it."""
    if not data.startswith(OLE_MAGIC):
        raise ImportFailure(f"文件扩展名是 {old.extension}，但内容{_describe(data, old)}")
    if len(data) < OLE_MIN_BYTES:
        raise ImportFailure(f"文件已损坏（不完整的{old.label}）")
    if _ENCRYPTED_STREAM in data:
        raise ImportFailure(f"文件设置了打开密码，无法读取；请在 {old.program} 中取消密码后再导入")
    # Only a positive sign of the other kind refuses: LibreOffice decides the rest.
    has_word = _WORD_STREAM in data
    has_excel = any(stream in data for stream in _EXCEL_STREAMS)
    if old.is_word and has_excel and not has_word:
        raise ImportFailure(
            f"文件扩展名是 {old.extension}，但内容是 Excel 97-2003 工作簿，请改为 .xls 扩展名后再导入"
        )
    if not old.is_word and has_word and not has_excel:
        raise ImportFailure(
            f"文件扩展名是 {old.extension}，但内容是 Word 97-2003 文档，请改为 .doc 扩展名后再导入"
        )


def _describe(data: bytes, old: OldFormat) -> str:
    """What a file that is not OLE2 probably is, for the message."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data[:1024].find(b"%PDF-") >= 0:
        return "是 PDF 文件，请改回 .pdf 扩展名后再导入"
    if head.startswith(b"{\\rtf"):
        return "是 RTF 格式，请在 Word 中另存为 .docx 后再导入"
    if head.startswith((b"<html", b"<!doctype", b"<?xml", b"<?mso", b"mime-version", b"<table")):
        return (
            "是网页或 XML 格式（一些系统导出的 .doc/.xls 其实是网页），"
            f"请在 {old.program} 中打开后另存为 .{old.target} 再导入"
        )
    return f"不是{old.label}（可能是改了扩展名的其他文件）"


def convert(data: bytes, old: OldFormat) -> bytes:
    """The file converted by LibreOffice to .docx/.xlsx, or ImportFailure saying why not."""
    soffice = soffice_path()
    if soffice is None:
        raise ImportFailure(
            f"服务器未安装 LibreOffice，无法转换 {old.extension} 文件；"
            f"请另存为 .{old.target} 后导入"
        )
    timeout = convert_timeout()
    with tempfile.TemporaryDirectory(prefix="selfeval-convert-") as folder:
        root = Path(folder)
        source = root / f"upload{old.extension}"  # our own ASCII name, not the uploader's
        source.write_bytes(data)
        out = root / "out"
        command = [
            soffice,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"--infilter={old.infilter}",
            "--convert-to",
            old.target,
            "--outdir",
            str(out),
            str(source),
        ]
        # Its temporary files and anything it writes under $HOME stay in the folder too.
        environment = {**os.environ, "HOME": folder, "TMPDIR": folder}
        with open(root / "log.txt", "wb") as log:
            try:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=folder,
                    env=environment,
                    start_new_session=True,  # its own process group, to kill it whole
                )
            except OSError as exc:
                raise ImportFailure(
                    f"服务器无法启动 LibreOffice（{exc.strerror or exc}），无法转换 {old.extension}"
                    f" 文件；请另存为 .{old.target} 后导入"
                ) from None
            try:
                returncode = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                raise ImportFailure(
                    f"LibreOffice 转换 {old.extension} 文件超过 {timeout:g} 秒仍未完成，已停止"
                    f"（文件可能过大或已损坏）；请在 {old.program} 中另存为 .{old.target} 后导入"
                ) from None
            except BaseException:  # interrupted while waiting: leave nothing running
                _kill_group(process)
                raise
        result = out / f"upload.{old.target}"
        if returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            raise ImportFailure(
                f"LibreOffice 无法转换这个{old.label}（文件可能已损坏或设置了打开密码）；"
                f"请在 {old.program} 中打开并另存为 .{old.target} 后再导入"
            )
        return result.read_bytes()


def _kill_group(process: subprocess.Popen) -> None:
    """Kill the process group of ``process`` (still running, so the group is its own).

    Then wait, briefly, until no process of the group is left, so that none writes
    into the folder while it is removed.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=KILL_GRACE)
    deadline = time.monotonic() + KILL_GRACE
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)
