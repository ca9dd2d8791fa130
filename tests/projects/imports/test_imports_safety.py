"""Bad input: every case is refused with its own Chinese message and changes nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from projects.imports import ImportFailure, parse_file, safety
from projects.imports.preview import preview_file
from projects.models import Department, Evaluation, Indicator, Project
from tests.projects.docx_builder import PaperForm, paper_docx

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<!-- a comment first -->\n<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>'
)


def good_docx() -> bytes:
    return paper_docx(PaperForm())


def good_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["项目名称", "x"])
    workbook.active["A2"] = "共享字符串"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rezip(
    data: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """The same package with some parts replaced or added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, content in add.items():
            target.writestr(name, content)
    return buffer.getvalue()


def many_entries(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for index in range(count):
            archive.writestr(f"word/part{index}.xml", "<a/>")
    return buffer.getvalue()


def encrypted_flag(data: bytes) -> bytes:
    """The package with the 'encrypted' bit set on every entry (as a password zip has)."""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := raw.find(signature, start)) >= 0:
            raw[found + offset] |= 0x1
            start = found + 4
    return bytes(raw)


def content_types_macro(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    types = source.read("[Content_Types].xml").replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    return rezip(data, replace={"[Content_Types].xml": types})


CASES = [
    ("报告.txt", lambda: b"hello", "不支持的文件类型「.txt」"),
    ("说明", lambda: b"hello", "不支持的文件类型（没有扩展名）"),
    ("旧表.doc", lambda: b"\xd0\xcf\x11\xe0", "但内容不是Word 97-2003 文档"),
    ("宏.docm", good_docx, "启用宏的 Word 文件"),
    ("宏.xlsm", good_xlsx, "启用宏的 Excel 文件"),
    ("改名.docx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Office 97-2003"),
    ("改名.docx", lambda: b"%PDF-1.4\n...", "是 PDF 文件"),
    ("改名.xlsx", lambda: "姓名,电话\n张三,1".encode(), "不是 Office Open XML 文件"),
    ("改名.docx", lambda: b"{\\rtf1\\ansi hello}", "是 RTF 格式"),
    ("其实是表格.docx", good_xlsx, "内容是Excel 工作簿（.xlsx），请改回 .xlsx 扩展名"),
    ("其实是文档.xlsx", good_docx, "内容是Word 文档（.docx），请改回 .docx 扩展名"),
    ("截断.docx", lambda: good_docx()[:3000], "文件已损坏"),
    ("乱码.docx", lambda: b"PK\x03\x04" + bytes(range(256)) * 8, "文件已损坏"),
    ("空.docx", lambda: b"", "文件是空的"),
    ("炸弹.docx", lambda: many_entries(safety.MAX_ENTRIES + 1), "疑似压缩炸弹"),
    (
        "炸弹.xlsx",
        lambda: rezip(good_xlsx(), add={"xl/media/zeros.bin": b"\0" * (2 * 1024 * 1024)}),
        "压缩比异常，疑似压缩炸弹",
    ),
    ("加密.docx", lambda: encrypted_flag(good_docx()), "加密"),
    ("宏.docx", lambda: rezip(good_docx(), add={"word/vbaProject.bin": b"VBA"}), "包含宏"),
    ("宏类型.docx", lambda: content_types_macro(good_docx()), "启用宏的格式"),
    (
        "实体.docx",
        lambda: rezip(good_docx(), replace={"word/document.xml": BILLION_LAUGHS}),
        "DOCTYPE/ENTITY 声明",
    ),
    (
        "实体.xlsx",
        lambda: rezip(good_xlsx(), replace={"xl/worksheets/sheet1.xml": EXTERNAL_ENTITY}),
        "DOCTYPE/ENTITY 声明",
    ),
    (
        "实体16.docx",
        lambda: rezip(
            good_docx(),
            replace={
                "word/document.xml": BILLION_LAUGHS.decode()
                .replace('"1.0"?>', '"1.0" encoding="UTF-16"?>')
                .encode("utf-16")
            },
        ),
        "DOCTYPE/ENTITY 声明",
    ),
    (
        "EBCDIC.docx",
        lambda: rezip(
            good_docx(),
            replace={
                "word/document.xml": '<?xml version="1.0" encoding="cp500"?><!DOCTYPE x><a/>'.encode(
                    "cp500"
                )
            },
        ),
        "压缩包内的「word/document.xml」",
    ),
    (
        "七位编码.docx",
        lambda: rezip(
            good_docx(),
            replace={
                "word/document.xml": b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x+AD4-<a/>'
            },
        ),
        "异常的编码",
    ),
    (
        "坏XML.docx",
        lambda: rezip(good_docx(), replace={"word/document.xml": b"<w:document><w:body>"}),
        "文件已损坏，无法作为 Word 文档打开",
    ),
    (
        "无表.docx",
        lambda: paper_docx(PaperForm(title="", year_line="", project_name="")),
        "缺少项目名称",
    ),
    ("坏.json", lambda: b"\xff\xfe not json", "不是有效的 UTF-8 JSON 文件"),
    (
        "坏语法.json",
        lambda: b'{"format": "selfeval/1", "forms": [',
        "不是有效的 UTF-8 JSON 文件（第1行",
    ),
    ("深.json", lambda: b"[" * 100_000 + b"]" * 100_000, "不是有效的 UTF-8 JSON 文件"),
    (
        "长数.json",
        lambda: b'{"format": "selfeval/1", "forms": [' + b"9" * 5000 + b"]}",
        "不是有效的",
    ),
    ("格式.json", lambda: json.dumps({"format": "other/1", "forms": []}).encode(), "文件格式标识"),
    (
        "无表.json",
        lambda: json.dumps({"format": "selfeval/1", "forms": []}).encode(),
        "没有找到自评表",
    ),
]


def snapshot() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Department, Project, Evaluation, Indicator))


@pytest.mark.parametrize(("name", "make", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_its_message_and_changes_nothing(name, make, message):
    data = make()
    with pytest.raises(ImportFailure) as caught:
        parse_file(data, filename=name)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"文件「{name}」")
    before = snapshot()
    preview = preview_file(data, name)
    assert not preview.ok and message in preview.error
    assert snapshot() == before


def test_oversize_file_is_refused_before_it_is_read(settings, tmp_path):
    settings.IMPORT_MAX_UPLOAD_BYTES = 2048
    path = tmp_path / "大.docx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 5000)
    with pytest.raises(ImportFailure, match=r"文件「大.docx」：文件大小 4.9 KB，超过上限 2.0 KB"):
        parse_file(path)
    with pytest.raises(ImportFailure, match="超过上限"):
        parse_file(path.read_bytes(), filename="大.docx")


def test_total_uncompressed_size_is_checked(monkeypatch):
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED_BYTES", 10_000)
    with pytest.raises(ImportFailure, match=r"解压后共 .*，疑似压缩炸弹"):
        parse_file(good_docx(), filename="表.docx")


def test_the_good_file_of_these_helpers_imports():
    """The cases above fail for their own reason, not because the base file is bad."""
    assert len(parse_file(good_docx(), filename="好.docx")) == 1
