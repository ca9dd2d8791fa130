"""Fuzz: mutated .docx/.xlsx/.json/.pdf files only ever raise the importer's own ImportFailure.

Three levels of mutation per format: raw bytes of the file (mostly a broken zip),
bytes of an XML part inside a well-formed zip (broken or odd XML reaching the
libraries and our own walk over it), and cell text replaced with arbitrary text
(odd values reaching the form reader). Bounded: 80–150 examples per test, no
deadline; the module takes ~15 s of CPU (under a minute on a busy 2-core machine).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from projects.demo import DEMO_FILE
from projects.imports import DocxImporter, ImportFailure, JsonImporter, TaxonomyMap, XlsxImporter
from tests.projects.docx_builder import PaperForm, paper_docx

TAXONOMY = TaxonomyMap(
    (
        ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    )
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Each example of these rebuilds a whole workbook or document: fewer of them.
FUZZ_SLOW = settings(FUZZ, max_examples=80)
# Fragments that make odd but well-formed WordprocessingML/SpreadsheetML more likely.
SNIPPETS = [
    b"<w:vMerge/>",
    b'<w:vMerge w:val="restart"/>',
    b'<w:gridSpan w:val="-3"/>',
    b'<w:gridSpan w:val="99999999"/>',
    b'<w:gridBefore w:val="7"/>',
    b"<w:hMerge/>",
    b"</w:tc><w:tc>",
    b"</w:tr><w:tr>",
    b"<w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>",
    b"<w:t>\xe6\x80\xbb\xe5\x88\x86</w:t>",  # 总分
    b"<w:t>\xe9\xa1\xb9\xe7\x9b\xae\xe5\x90\x8d\xe7\xa7\xb0</w:t>",  # 项目名称
    b'<c r="A1" t="inlineStr"><is><t>=SUM(</t></is></c>',
    b'<mergeCell ref="A1:XFD1048576"/>',
    b"<!DOCTYPE x>",
    b"&amp;",
    b"\x00",
    b"\xff\xfe",
]
# Texts that hit the reader's special cases.
WORDS = [
    "项目名称",
    "主管部门",
    "总分",
    "年度资金总额",
    "全年预算数",
    "三级指标",
    "一级指标",
    "二级指标",
    "预期目标",
    "（2023年度）",
    "项目支出绩效自评表",
    "1,863,180",
    "23.380701万元成",
    "—",
    "指标2：",
    "产出指标70",
    "满意度\n\n指标",
    "1e9999",
    "-5",
    "NaN",
    "９９.５",
    "=A1",
]
cell_text = st.one_of(st.sampled_from(WORDS), st.text(max_size=40))


@cache
def base_docx() -> bytes:
    return paper_docx(PaperForm())


@cache
def base_xlsx() -> bytes:
    from tests.projects.imports.test_imports_excel import paper_sheet

    workbook = Workbook()
    paper_sheet(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@cache
def base_summary_xlsx() -> bytes:
    """A small workbook shaped like our own summary export (汇总 + 指标明细)."""
    workbook = Workbook(write_only=True)
    summary, details = workbook.create_sheet("汇总"), workbook.create_sheet("指标明细")
    summary.append(
        [
            "序号",
            "年度",
            "主管部门",
            "实施单位",
            "项目名称",
            "全年预算数（万元）",
            "全年执行数（万元）",
            "执行率",
            "预算执行得分",
            "总分",
            "状态",
        ]
    )
    details.append(
        [
            "序号",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "审核得分",
            "偏差原因分析及改进措施",
            "审核意见",
        ]
    )
    for number in range(1, 4):
        summary.append(
            [number, 2023, "办公室", "", f"项目{number}", 10, 9.5, 0.95, 9.5, 99.5, "已提交"]
        )
        for row in range(3):
            details.append(
                [number, "产出指标", "数量指标", f"指标{row}", "≥1件", "1件", 30, 30, None, "", ""]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@cache
def base_json() -> bytes:
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    document["forms"] = document["forms"][:2]
    return json.dumps(document, ensure_ascii=False).encode()


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info))
    return buffer.getvalue()


def read_part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


@st.composite
def mutated_bytes(draw, data: bytes, snippets: list[bytes] | None = None) -> bytes:
    """A few edits: overwrite, delete, duplicate or insert at random places."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not out:
            break
        position = draw(st.integers(0, len(out) - 1))
        kind = draw(st.sampled_from(["overwrite", "delete", "duplicate", "insert", "truncate"]))
        if kind == "overwrite":
            out[position : position + 4] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete":
            del out[position : position + draw(st.integers(1, 200))]
        elif kind == "duplicate":
            length = draw(st.integers(1, 400))
            out[position:position] = out[position : position + length]
        elif kind == "insert":
            choices = snippets or [b"\x00"]
            out[position:position] = draw(
                st.one_of(st.sampled_from(choices), st.binary(max_size=8))
            )
        else:
            del out[position:]
    return bytes(out)


def only_import_failure(parse, data: bytes) -> None:
    try:
        forms = parse(data)
    except ImportFailure as failure:
        assert str(failure).startswith("文件「")
    else:
        assert isinstance(forms, list) and forms


def parse_docx(data: bytes):
    return DocxImporter(TAXONOMY).parse(data, filename="fuzz.docx")


def parse_xlsx(data: bytes):
    return XlsxImporter(TAXONOMY).parse(data, filename="fuzz.xlsx")


def parse_json(data: bytes):
    return JsonImporter().parse(data, filename="fuzz.json")


# --- Word ----------------------------------------------------------------------------


@FUZZ
@given(st.data())
def test_docx_raw_bytes(data):
    only_import_failure(parse_docx, data.draw(mutated_bytes(base_docx())))


@FUZZ
@given(st.data())
def test_docx_document_xml(data):
    xml = read_part(base_docx(), "word/document.xml")
    mutated = data.draw(mutated_bytes(xml, SNIPPETS))
    only_import_failure(parse_docx, replace_part(base_docx(), "word/document.xml", mutated))


_W_T = re.compile(rb"(<w:t(?: [^>]*)?>)([^<]*)(</w:t>)")


@FUZZ_SLOW
@given(st.data())
def test_docx_cell_texts(data):
    """Arbitrary text in arbitrary cells of a well-formed form."""
    xml = read_part(base_docx(), "word/document.xml")
    matches = list(_W_T.finditer(xml))
    chosen = data.draw(st.sets(st.integers(0, len(matches) - 1), min_size=1, max_size=6))
    out, last = [], 0
    for index, match in enumerate(matches):
        if index in chosen:
            text = data.draw(cell_text)
            escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            escaped = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", escaped)
            escaped = escaped.replace("\n", "</w:t><w:br/><w:t>")
            out += [xml[last : match.start(2)], escaped.encode("utf-8")]
            last = match.end(2)
    out.append(xml[last:])
    only_import_failure(parse_docx, replace_part(base_docx(), "word/document.xml", b"".join(out)))


# --- Excel ----------------------------------------------------------------------------


@FUZZ
@given(st.data())
def test_xlsx_raw_bytes(data):
    only_import_failure(parse_xlsx, data.draw(mutated_bytes(base_xlsx())))


@FUZZ
@given(st.data())
def test_xlsx_sheet_xml(data):
    xml = read_part(base_xlsx(), "xl/worksheets/sheet1.xml")
    mutated = data.draw(mutated_bytes(xml, SNIPPETS))
    only_import_failure(parse_xlsx, replace_part(base_xlsx(), "xl/worksheets/sheet1.xml", mutated))


@FUZZ
@given(st.data(), st.sampled_from(["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"]))
def test_xlsx_summary_sheets(data, part):
    """Our summary is read in read-only mode, which parses as it iterates."""
    xml = read_part(base_summary_xlsx(), part)
    mutated = data.draw(mutated_bytes(xml, SNIPPETS))
    only_import_failure(parse_xlsx, replace_part(base_summary_xlsx(), part, mutated))


@FUZZ_SLOW
@given(
    st.lists(
        st.tuples(
            st.integers(1, 16),
            st.integers(1, 10),
            st.one_of(
                cell_text,
                st.integers(-(10**20), 10**20),
                st.floats(allow_nan=True, allow_infinity=True),
                st.booleans(),
                st.none(),
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_xlsx_cell_values(edits):
    """Arbitrary values (text, huge ints, inf/nan floats, booleans) in a paper-like sheet."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(base_xlsx()))
    sheet = workbook.active
    for row, column, value in edits:
        cell = sheet.cell(row, column)
        if type(cell).__name__ == "MergedCell":
            continue
        if isinstance(value, str):
            value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
        cell.value = value
    buffer = io.BytesIO()
    try:
        workbook.save(buffer)
    except (ValueError, TypeError):  # openpyxl refuses to write some values; not our concern
        return
    only_import_failure(parse_xlsx, buffer.getvalue())


# --- JSON -----------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@FUZZ
@given(st.data())
def test_json_raw_bytes(data):
    only_import_failure(
        parse_json, data.draw(mutated_bytes(base_json(), [b"[", b"{", b'"', b"\\u0000"]))
    )


@FUZZ
@given(st.data())
def test_json_structure(data):
    """A value anywhere in a valid document replaced by any JSON value."""
    document = json.loads(base_json())
    node = document
    path = []
    for _ in range(data.draw(st.integers(1, 5))):
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node)))
        elif isinstance(node, list) and node:
            key = data.draw(st.integers(0, len(node) - 1))
        else:
            break
        path.append((node, key))
        node = node[key]
    if path:
        parent, key = path[-1]
        parent[key] = data.draw(json_values)
    only_import_failure(parse_json, json.dumps(document, ensure_ascii=False).encode())


# --- the regional layouts and PDF -----------------------------------------------------


@cache
def corpus_cases():
    from tests.projects.imports.corpus import CASES

    return [case for case in CASES if case.fmt == "docx"]


@FUZZ_SLOW
@given(st.data())
def test_regional_layouts_with_arbitrary_cell_texts(data):
    """Arbitrary text in arbitrary cells of the corpus layouts (two-row headings, budget
    lines added up, notes after the table): still only ImportFailure."""
    from tests.projects.docx_builder import C, Table
    from tests.projects.imports.corpus import build

    case = data.draw(st.sampled_from(corpus_cases()))
    tables = [block for block in case.blocks if isinstance(block, Table)]
    table = tables[0]
    rows = [[cell if isinstance(cell, C) else C(cell) for cell in row] for row in table.rows]
    spots = [
        (r, c)
        for r, row in enumerate(rows)
        for c, cell in enumerate(row)
        if cell.merge != "continue"
    ]
    for r, c in data.draw(st.sets(st.sampled_from(spots), min_size=1, max_size=6)):
        text = re.sub(
            "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", data.draw(cell_text)
        )
        rows[r][c] = dataclasses.replace(rows[r][c], text=text)
    blocks = tuple(
        Table(rows, columns=table.columns) if block is table else block for block in case.blocks
    )
    only_import_failure(parse_docx, build(dataclasses.replace(case, blocks=blocks)))


@cache
def base_pdf() -> bytes:
    """A form as a PDF with a text layer and ruled tables (WeasyPrint, no LibreOffice)."""
    from weasyprint import HTML

    rows = "".join(
        f"<tr>{''.join(f'<td>{cell}</td>' for cell in row)}</tr>"
        for row in (
            ("项目名称", "测试项目", "", "", "", ""),
            ("主管部门", "通州区发展和改革委员会", "实施单位", "产业发展科", "", ""),
            ("项目资金", "年初预算数", "全年预算数", "全年执行数", "分值", "得分"),
            ("年度资金总额", "100", "100", "100", "10", "10"),
            ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值"),
            ("产出指标", "数量指标", "完成报告数量", "≥2份", "2份", "90"),
            ("总分", "", "", "", "", "100"),
        )
    )
    html = (
        "<style>table{border-collapse:collapse}td{border:1px solid #000;padding:2px}</style>"
        f"<p>项目支出绩效自评表</p><p>（2023年度）</p><table>{rows}</table>"
    )
    return HTML(string=html).write_pdf()


def parse_pdf(data: bytes):
    from projects.imports.pdf import PdfImporter

    return PdfImporter(TAXONOMY).parse(data, filename="fuzz.pdf")


@settings(FUZZ, max_examples=60)
@given(st.data())
def test_pdf_raw_bytes(data):
    only_import_failure(parse_pdf, data.draw(mutated_bytes(base_pdf())))


@pytest.mark.parametrize(
    ("parse", "base"),
    [
        (parse_docx, base_docx),
        (parse_xlsx, base_xlsx),
        (parse_xlsx, base_summary_xlsx),
        (parse_json, base_json),
        (parse_pdf, base_pdf),
    ],
)
def test_the_unmutated_files_parse(parse, base):
    assert parse(base())
