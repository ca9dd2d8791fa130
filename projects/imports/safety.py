"""Checks on an Office file before any library parses it.

A .docx/.xlsx is a zip of XML parts. Before python-docx or openpyxl open one we
check, from the zip's central directory only: that it is a zip at all (a renamed
.doc/.pdf is not), that it is not a zip bomb (entry count, total and per-entry
uncompressed size, compression ratio), not encrypted, not macro-enabled, and of
the expected kind (Word vs Excel). Then we read the prolog of every XML part and
refuse a DOCTYPE or ENTITY declaration: OOXML never has one, so any is an attack
(billion laughs, external entities), whatever the parser would do with it.

``zipfile`` stops decompressing an entry at its declared size (and fails the CRC
check beyond it), so the declared sizes checked here bound what the libraries read.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from projects.imports.base import ImportFailure, human_size

MAX_ENTRIES = 2000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ENTRY_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for entries over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
PROLOG_BYTES = 64 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Kind:
    folder: str  # the main folder of the package: "word/" or "xl/"
    label: str  # 「Word 文档（.docx）」
    extension: str


WORD = Kind("word/", "Word 文档（.docx）", ".docx")
EXCEL = Kind("xl/", "Excel 工作簿（.xlsx）", ".xlsx")
_KINDS = (WORD, EXCEL, Kind("ppt/", "PowerPoint 演示文稿（.pptx）", ".pptx"))


def describe_non_zip(data: bytes) -> str:
    """What a file that is not an OOXML zip probably is, for the message."""
    head = data[:16]
    stripped = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(OLE_MAGIC):
        return (
            "是旧版 Office 97-2003 格式（.doc/.xls）或设置了打开密码的文件，"
            "请在 Word/Excel 中另存为 .docx/.xlsx（不设密码）后再导入"
        )
    if head.startswith(b"%PDF"):
        return "是 PDF 文件；请把扩展名改回 .pdf 后再导入（最好上传原始的 Word 或 Excel 文件）"
    if stripped.startswith(b"{\\rtf"):
        return "是 RTF 格式，请在 Word 中另存为 .docx 后再导入"
    if stripped.startswith((b"<html", b"<!doctype html", b"<?xml", b"<?mso")):
        return "是网页或 XML 格式（可能是“另存为网页/XML”的文件），请另存为 .docx/.xlsx 后再导入"
    if stripped.startswith((b"{", b"[")):
        return "是 JSON 文本，请使用 .json 扩展名"
    return "不是 Office Open XML 文件（可能是改了扩展名的其他文件）"


def check_package(data: bytes, expected: Kind) -> None:
    """Refuse anything but a plain, reasonably sized .docx/.xlsx of the expected kind."""
    if not data.startswith(ZIP_MAGIC):
        raise ImportFailure(f"文件扩展名是 {expected.extension}，但内容{describe_non_zip(data)}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:  # zipfile raises many types on a damaged central directory
        raise ImportFailure("文件已损坏（无法作为 zip 压缩包打开）") from None
    with archive:
        _check_sizes(infos)
        names = [info.filename for info in infos]
        if any(info.flag_bits & 0x1 for info in infos):
            raise ImportFailure("文件中有加密的内容，请取消加密后再导入")
        _check_kind(names, expected)
        _check_macros(archive, names)
        for info in infos:
            if not info.is_dir():
                _check_prolog(archive, info)


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise ImportFailure(
            f"压缩包内有 {len(infos)} 个条目（上限 {MAX_ENTRIES}），疑似压缩炸弹，已拒绝"
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ImportFailure(
            f"解压后共 {human_size(total)}（上限 {human_size(MAX_UNCOMPRESSED_BYTES)}），"
            "疑似压缩炸弹，已拒绝"
        )
    for info in infos:
        if info.file_size > MAX_ENTRY_BYTES or (
            info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise ImportFailure(
                f"压缩包内的「{info.filename}」解压后 {human_size(info.file_size)}，"
                f"压缩比异常，疑似压缩炸弹，已拒绝"
            )


def _check_kind(names: list[str], expected: Kind) -> None:
    if "[Content_Types].xml" not in names:
        raise ImportFailure(
            f"文件扩展名是 {expected.extension}，但内容不是 Office 文件（缺少 [Content_Types].xml）"
        )
    folders = {name.split("/", 1)[0] + "/" for name in names if "/" in name}
    if expected.folder in folders:
        return
    for kind in _KINDS:
        if kind.folder in folders:
            raise ImportFailure(
                f"文件扩展名是 {expected.extension}，但内容是{kind.label}，"
                f"请改回 {kind.extension} 扩展名后再导入"
            )
    raise ImportFailure(f"文件不是{expected.label}（压缩包里没有 {expected.folder} 文件夹）")


def _check_macros(archive: zipfile.ZipFile, names: list[str]) -> None:
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ImportFailure("文件包含宏（VBA），出于安全原因不能导入；请另存为不含宏的文件")
    try:
        with archive.open("[Content_Types].xml") as handle:
            content_types = handle.read(PROLOG_BYTES * 4)
    except Exception:
        raise ImportFailure("文件已损坏（[Content_Types].xml 无法读取）") from None
    if b"macroenabled" in content_types.lower():
        raise ImportFailure("文件是启用宏的格式（.docm/.xlsm），出于安全原因不能导入")


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an XML part whose prolog declares a DOCTYPE or ENTITY, or looks odd."""
    try:
        with archive.open(info) as handle:
            head = handle.read(PROLOG_BYTES)
    except Exception:
        raise ImportFailure(f"文件已损坏（压缩包内的「{info.filename}」无法解压）") from None
    text = _decode_head(head)
    if text is None:
        return  # not XML (an image, a binary part)
    odd = f"压缩包内的「{info.filename}」XML 开头异常，已拒绝"
    position, length = 0, len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            if len(head) >= PROLOG_BYTES:
                raise ImportFailure(odd)
            return
        if text.startswith("<?", position):
            end = text.find("?>", position)
            if end < 0:
                raise ImportFailure(odd)
            encoding = _DECLARED_ENCODING.search(text, position, end)
            if encoding and encoding.group(1).lower() not in _XML_ENCODINGS:
                raise ImportFailure(f"压缩包内的「{info.filename}」使用了异常的编码，已拒绝")
            position = end + 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position)
            if end < 0:
                raise ImportFailure(odd)
            position = end + 3
        elif text.startswith("<!", position):
            raise ImportFailure(
                f"压缩包内的「{info.filename}」含有 DOCTYPE/ENTITY 声明（XML 实体攻击），已拒绝"
            )
        elif text.startswith("<", position):
            return  # the root element: the prolog is clean
        else:
            raise ImportFailure(odd)


_DECLARED_ENCODING = re.compile(r"""encoding\s*=\s*["']([^"']*)["']""")
_XML_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be"}
_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
    (b"\x4c\x6f\xa7\x94", "cp500"),  # "<?xm" in EBCDIC, which libxml2 can also read
)


def _decode_head(head: bytes) -> str | None:
    """The head of a part as text when it looks like XML (UTF-8/16/32 or EBCDIC)."""
    for marker, encoding in _ENCODINGS:
        if head.startswith(marker):
            return head.decode(encoding, errors="replace").lstrip("\ufeff")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        return head.decode("utf-8", errors="replace").lstrip("\ufeff")
    return None
