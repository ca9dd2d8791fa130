"""The Excel summary's headings are one list, written by the exporter and read back by
the importer (``projects.exports.excel`` columns → ``projects.imports.excel``)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from projects.exports import excel
from projects.imports import excel as reader
from projects.models import Evaluation
from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def workbook(dept_a):
    make_evaluation(make_project(dept_a, "价格认证资金"), indicators=2)
    buffer = io.BytesIO()
    excel.SummaryExporter().write(Evaluation.objects.all(), buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def _headings(sheet) -> list[str]:
    return [cell.value for cell in next(sheet.iter_rows(max_row=1))]


def test_the_sheets_carry_the_headings_of_the_column_lists(workbook):
    names = excel.level1_names()
    assert workbook.sheetnames == [excel.SUMMARY_SHEET, excel.DETAIL_SHEET, excel.CHECKS_SHEET]
    assert _headings(workbook[excel.SUMMARY_SHEET]) == [
        *(column.heading for column in excel.SUMMARY_COLUMNS_HEAD),
        *(f"{name}得分" for name in names),
        *(column.heading for column in excel.SUMMARY_COLUMNS_TAIL),
    ]
    for title, columns in (
        (excel.DETAIL_SHEET, excel.INDICATOR_COLUMNS),
        (excel.CHECKS_SHEET, excel.FINDING_COLUMNS),
    ):
        assert _headings(workbook[title]) == [column.heading for column in columns]


def test_the_reader_looks_for_the_writers_headings(workbook):
    assert (reader.SUMMARY_SHEET, reader.DETAIL_SHEET) == (excel.SUMMARY_SHEET, excel.DETAIL_SHEET)
    summary = excel.read_back([*excel.SUMMARY_COLUMNS_HEAD, *excel.SUMMARY_COLUMNS_TAIL])
    assert summary == reader.SUMMARY_COLUMNS
    assert excel.read_back(excel.INDICATOR_COLUMNS) == reader.DETAIL_COLUMNS
    assert set(reader.SUMMARY_COLUMNS) <= set(_headings(workbook[excel.SUMMARY_SHEET]))
    assert set(reader.DETAIL_COLUMNS) <= set(_headings(workbook[excel.DETAIL_SHEET]))
    # Every key the reader needs has a column, and no two columns are read as one key.
    keys = [*reader.SUMMARY_COLUMNS.values(), *reader.DETAIL_COLUMNS.values()]
    assert set(keys) >= reader.REQUIRED
    for columns in (reader.SUMMARY_COLUMNS, reader.DETAIL_COLUMNS):
        assert len(set(columns.values())) == len(columns)


def test_read_back_keeps_the_sheets_order_and_skips_unread_columns():
    columns = [excel.Column("甲", 5, "a"), excel.Column("乙", 5), excel.Column("丙", 5, "c")]
    assert list(excel.read_back(columns).items()) == [("甲", "a"), ("丙", "c")]
