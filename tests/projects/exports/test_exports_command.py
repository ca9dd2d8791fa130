"""export_forms --format xlsx|docx|pdf|zip (json has its own tests)."""

import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_forms(dept_a):
    make_evaluation(make_project(dept_a, "价格认证资金"), indicators=2)
    make_evaluation(make_project(dept_a, "法律顾问"), indicators=2)
    make_evaluation(make_project(dept_a, "去年的项目"), year=2022)


def test_xlsx(tmp_path, two_forms):
    out = tmp_path / "2023.xlsx"
    call_command("export_forms", year=2023, format="xlsx", out=out)
    rows = list(openpyxl.load_workbook(out)["汇总"].iter_rows(min_row=2, values_only=True))
    assert [row[4] for row in rows[:-2]] == ["价格认证资金", "法律顾问"]


def test_docx_into_a_folder_or_a_zip(tmp_path, two_forms):
    call_command("export_forms", year=2023, format="docx", out=tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.docx")) == [
        "001_通州区发展和改革委员会_价格认证资金.docx",
        "002_通州区发展和改革委员会_法律顾问.docx",
    ]
    out = tmp_path / "word.zip"
    call_command("export_forms", year=2023, format="docx", out=out)
    assert len(zipfile.ZipFile(out).namelist()) == 2


def test_pdf_folder_and_everything_as_zip(tmp_path, two_forms):
    folder = tmp_path / "pdf"
    folder.mkdir()
    call_command("export_forms", year=2023, format="pdf", out=folder)
    assert all(p.read_bytes().startswith(b"%PDF-") for p in folder.iterdir())
    assert len(list(folder.iterdir())) == 2
    out = tmp_path / "all.zip"
    call_command("export_forms", year=2023, format="zip", out=out)
    names = zipfile.ZipFile(out).namelist()
    assert len(names) == 5 and names[-1].endswith("_汇总表.xlsx")


def test_binary_formats_need_out(two_forms):
    with pytest.raises(CommandError, match="--out"):
        call_command("export_forms", year=2023, format="zip")
