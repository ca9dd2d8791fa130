""".doc/.xls/.wps/.et through LibreOffice: the same forms as the .docx/.xlsx they came from.

The old-format files are made here from our own test files with ``soffice`` itself
(skipped where LibreOffice is not installed); the refusals that need no LibreOffice
(not OLE2, LibreOffice missing, a stuck converter) run everywhere.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from projects.exports.word import DocxExporter
from projects.imports import (
    DocImporter,
    DocxImporter,
    ImportFailure,
    XlsImporter,
    XlsxImporter,
    form_data_to_dict,
    importer_for,
)
from projects.imports import convert as convert_module
from tests.projects.docx_builder import PaperForm, paper_docx
from tests.projects.exports_helpers import demo_forms
from tests.projects.imports.test_imports_excel import paper_sheet
from tests.projects.office import needs_soffice, soffice

pytestmark = pytest.mark.django_db

OLE = bytes.fromhex("D0CF11E0A1B11AE1")


def ole(inside: bytes = b"") -> bytes:
    """An OLE2 file's worth of bytes (not a valid one) holding ``inside``."""
    return (OLE + inside).ljust(4096, b"\0")


TWO_FORMS = (
    PaperForm(project_name="旧格式甲项目"),
    PaperForm(project_name="旧格式乙项目", department="办公室", goal_actual="部分完成", split=True),
)


@pytest.fixture
def temp_root(tmp_path, monkeypatch):
    """tempfile's folder, empty, so a test can see that a conversion leaves nothing behind."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def as_dicts(forms) -> list[dict]:
    return [form_data_to_dict(form) for form in forms]


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    paper_sheet(workbook.active, name="旧表格甲", total_score="100")
    paper_sheet(workbook.create_sheet("第二张"), name="旧表格乙", total_score="100")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@needs_soffice
def test_a_doc_reads_the_same_forms_as_the_docx_it_was_saved_from(tmp_path, temp_root):
    source = tmp_path / "自评表.docx"
    source.write_bytes(paper_docx(*TWO_FORMS))
    # LibreOffice 7.4 writes this builder's tables into a .doc as plain paragraphs when
    # it saves the .docx directly (its own rendering of that .doc has no table either);
    # saved from its own format first, the .doc is the one Word would write.
    odt = soffice(source, "odt", tmp_path)
    doc = soffice(odt, "doc", tmp_path)
    assert doc.read_bytes().startswith(OLE)
    expected = as_dicts(DocxImporter().parse(source))
    assert [form["project_name"] for form in expected] == ["旧格式甲项目", "旧格式乙项目"]
    assert [len(form["indicators"]) for form in expected] == [3, 3]
    forms = importer_for("自评表.doc").parse(doc.read_bytes(), filename="自评表.doc")
    assert as_dicts(forms) == expected
    # A WPS 文字 file in the Word 97 format reads the same way.
    assert as_dicts(DocImporter().parse(doc.read_bytes(), filename="自评表.wps")) == expected
    assert list(temp_root.iterdir()) == []


@needs_soffice
def test_a_doc_saved_from_our_word_export_reads_the_same(tmp_path, temp_root):
    """Our export's tables, saved as .doc directly (over two pages, merged cells)."""
    sheet = next(s for _, _, s, _ in demo_forms() if s.project_name == "帮扶专项资金")
    source = tmp_path / "帮扶.docx"
    source.write_bytes(DocxExporter().render(sheet).content)
    doc = soffice(source, "doc", tmp_path)
    [expected] = as_dicts(DocxImporter().parse(source))
    assert len(expected["indicators"]) == len(sheet.indicator_rows)
    assert as_dicts(DocImporter().parse(doc)) == [expected]
    assert list(temp_root.iterdir()) == []


@needs_soffice
def test_an_xls_reads_the_same_forms_as_the_xlsx_it_was_saved_from(tmp_path, temp_root):
    source = tmp_path / "自评表.xlsx"
    source.write_bytes(xlsx_bytes())
    xls = soffice(source, "xls", tmp_path)
    assert xls.read_bytes().startswith(OLE)
    expected = as_dicts(XlsxImporter().parse(source))
    assert [form["project_name"] for form in expected] == ["旧表格甲", "旧表格乙"]
    assert expected[0]["budget_lines"][0]["executed"] == "19.98"
    forms = importer_for("自评表.xls").parse(xls.read_bytes(), filename="自评表.xls")
    assert as_dicts(forms) == expected
    assert as_dicts(XlsImporter().parse(xls, filename="自评表.et")) == expected
    assert list(temp_root.iterdir()) == []


def test_a_wps_or_et_that_is_ooxml_is_read_without_converting(monkeypatch, temp_root):
    monkeypatch.setattr(convert_module, "COMMANDS", ("selfeval-no-such-soffice",))
    docx = paper_docx(PaperForm(project_name="新版WPS项目"))
    [form] = importer_for("新版.wps").parse(docx, filename="新版.wps")
    assert form.project_name == "新版WPS项目"
    [first, _] = importer_for("新版.et").parse(xlsx_bytes(), filename="新版.et")
    assert first.project_name == "旧表格甲"
    # Still checked as a package: a Word zip named .et is not a workbook.
    with pytest.raises(ImportFailure, match="内容是Word 文档"):
        importer_for("错.et").parse(docx, filename="错.et")


@needs_soffice
def test_a_damaged_doc_is_refused(temp_root):
    data = OLE + os.urandom(8000)
    with pytest.raises(ImportFailure) as caught:
        importer_for("坏.doc").parse(data, filename="坏.doc")
    assert str(caught.value) == (
        "文件「坏.doc」：LibreOffice 无法转换这个Word 97-2003 文档（文件可能已损坏或设置了打开密码）；"
        "请在 Word 中打开并另存为 .docx 后再导入"
    )
    assert list(temp_root.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("文本.doc", "这不是 Word 文件\n".encode() * 20, "但内容不是Word 97-2003 文档"),
        ("网页.xls", b"<html><table><tr><td>1</td></tr></table></html>", "是网页或 XML 格式"),
        ("改名.et", b"%PDF-1.7\n...", "是 PDF 文件，请改回 .pdf 扩展名"),
        ("富文本.wps", b"{\\rtf1\\ansi hello}", "是 RTF 格式"),
        ("截断.doc", OLE + b"\0" * 600, "文件已损坏（不完整的Word 97-2003 文档）"),
        ("表格.doc", ole("Workbook".encode("utf-16-le")), "请改为 .xls 扩展名"),
        ("文档.xls", ole("WordDocument".encode("utf-16-le")), "请改为 .doc 扩展名"),
        ("密码.doc", ole("EncryptedPackage".encode("utf-16-le")), "设置了打开密码"),
    ],
)
def test_what_is_not_that_old_format_is_refused_before_libreoffice_runs(
    monkeypatch, temp_root, name, data, message
):
    def no_conversion(*args, **kwargs):
        raise AssertionError("LibreOffice must not run")

    monkeypatch.setattr(convert_module, "convert", no_conversion)
    with pytest.raises(ImportFailure, match=message) as caught:
        importer_for(name).parse(data, filename=name)
    assert str(caught.value).startswith(f"文件「{name}」：")


@pytest.mark.parametrize(("name", "target"), [("旧.doc", ".docx"), ("旧.xls", ".xlsx")])
def test_without_libreoffice_the_message_says_to_save_again(monkeypatch, temp_root, name, target):
    monkeypatch.setattr(convert_module, "COMMANDS", ("selfeval-no-such-soffice",))
    extension = name[1:]
    with pytest.raises(ImportFailure) as caught:
        importer_for(name).parse(ole(), filename=name)
    assert str(caught.value) == (
        f"文件「{name}」：服务器未安装 LibreOffice，无法转换 {extension} 文件；"
        f"请另存为 {target} 后导入"
    )
    assert list(temp_root.iterdir()) == []


def test_a_converter_that_cannot_start_is_an_import_failure(tmp_path, monkeypatch, temp_root):
    broken = tmp_path / "soffice"
    broken.write_bytes(b"\x7fELF not really")
    broken.chmod(0o755)
    monkeypatch.setattr(convert_module, "COMMANDS", (str(broken),))
    with pytest.raises(ImportFailure, match="服务器无法启动 LibreOffice") as caught:
        importer_for("旧.et").parse(ole(), filename="旧.et")
    assert str(caught.value).endswith("无法转换 .et 文件；请另存为 .xlsx 后导入")
    assert list(temp_root.iterdir()) == []


def test_a_stuck_conversion_is_killed_with_its_children(tmp_path, monkeypatch, settings, temp_root):
    """The converter and what it started are killed at the time limit, and the folder goes."""
    child_pid = tmp_path / "child.pid"
    fake = tmp_path / "fake-soffice"
    fake.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {child_pid}\nwait\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(convert_module, "COMMANDS", (str(fake),))
    settings.IMPORT_CONVERT_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(ImportFailure) as caught:
        importer_for("慢.doc").parse(ole(), filename="慢.doc")
    assert time.monotonic() - started < 10
    assert str(caught.value) == (
        "文件「慢.doc」：LibreOffice 转换 .doc 文件超过 1 秒仍未完成，已停止（文件可能过大或已损坏）；"
        "请在 Word 中另存为 .docx 后导入"
    )
    assert not running(int(child_pid.read_text()))
    assert list(temp_root.iterdir()) == []


@needs_soffice
def test_a_real_libreoffice_past_the_time_limit_is_stopped(settings, temp_root):
    settings.IMPORT_CONVERT_TIMEOUT = 0.05
    with pytest.raises(ImportFailure) as caught:
        importer_for("慢.xls").parse(ole(), filename="慢.xls")
    assert "LibreOffice 转换 .xls 文件超过 0.05 秒仍未完成，已停止" in str(caught.value)
    assert list(temp_root.iterdir()) == []


def running(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its parent to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}
