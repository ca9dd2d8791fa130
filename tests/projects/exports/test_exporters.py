"""Every exporter of the registry has the shape of ``exports.base``, and ``export_forms``
offers exactly the registry's formats (the JSON included)."""

from __future__ import annotations

import inspect
import io
import json

import pytest
from django.core.management import call_command

from projects.exports.base import FormExporter, YearExporter
from projects.exports.registry import (
    FORM_EXPORTERS,
    LIST_EXPORTERS,
    REPORT_EXPORTER,
    YEAR_EXPORTERS,
)
from projects.management.commands import export_forms
from projects.models import Evaluation
from tests.factories import make_evaluation, make_project

ATTRIBUTES = ("identifier", "verbose_name", "content_type", "extension")


def _methods(protocol) -> list[str]:
    return [
        name
        for name, value in vars(protocol).items()
        if inspect.isfunction(value) and name[0] != "_"
    ]


def _assert_accepts(method, declared) -> None:
    """``method`` (bound) can be called as the protocol declares it: the same parameters,
    of the same kinds, optional where the protocol's are; anything more is optional."""
    wanted = list(inspect.signature(declared).parameters.values())[1:]  # without self
    given = inspect.signature(method).parameters
    for parameter in wanted:
        actual = given.get(parameter.name)
        assert actual is not None, f"{method.__qualname__} lacks {parameter.name}"
        assert actual.kind == parameter.kind, f"{method.__qualname__}: {parameter.name}"
        if parameter.default is not inspect.Parameter.empty:
            assert actual.default is not inspect.Parameter.empty, parameter.name
    names = {parameter.name for parameter in wanted}
    for name, actual in given.items():
        if name not in names and actual.kind not in (actual.VAR_POSITIONAL, actual.VAR_KEYWORD):
            assert actual.default is not inspect.Parameter.empty, f"{method.__qualname__}: {name}"


@pytest.mark.parametrize(
    ("registry", "protocol"),
    [
        (FORM_EXPORTERS, FormExporter),
        (YEAR_EXPORTERS, YearExporter),
        (LIST_EXPORTERS, YearExporter),
    ],
)
def test_every_exporter_has_the_protocols_shape(registry, protocol):
    assert registry
    assert set(_methods(protocol)) >= {"render"}
    for identifier, exporter in registry.items():
        assert exporter.identifier == identifier
        for name in ATTRIBUTES:
            assert isinstance(getattr(exporter, name), str) and getattr(exporter, name)
        for name in _methods(protocol):
            _assert_accepts(getattr(exporter, name), getattr(protocol, name))


def test_the_year_protocol_is_what_the_jobs_and_the_command_call():
    assert set(_methods(YearExporter)) == {"filename", "write", "stream", "render"}
    assert set(LIST_EXPORTERS.items()) <= set(YEAR_EXPORTERS.items())


def test_the_check_finds_a_missing_or_a_required_parameter():
    class Incomplete:
        def write(self, evaluations, target, *, keep=None):
            return 0

    class Demanding:
        def write(self, evaluations, target, *, title, keep=None, chunk_size):
            return 0

    for exporter in (Incomplete(), Demanding()):
        with pytest.raises(AssertionError):
            _assert_accepts(exporter.write, YearExporter.write)


def test_the_command_offers_the_registrys_formats():
    # ... and the year's report, which reads a scope rather than a queryset of forms
    expected = [*dict.fromkeys([*YEAR_EXPORTERS, *FORM_EXPORTERS]), REPORT_EXPORTER.identifier]
    assert expected == export_forms.FORMATS
    assert export_forms.TO_STDOUT in YEAR_EXPORTERS


@pytest.fixture
def two_forms(dept_a):
    make_evaluation(make_project(dept_a, "价格认证资金"), indicators=2)
    make_evaluation(make_project(dept_a, "法律顾问"), indicators=2)


@pytest.mark.django_db
@pytest.mark.parametrize("identifier", list(YEAR_EXPORTERS))
def test_write_counts_the_forms_keep_leaves_in(identifier, two_forms):
    exporter = YEAR_EXPORTERS[identifier]
    seen = []

    def keep(form) -> bool:
        seen.append(form)
        return len(seen) == 1

    buffer = io.BytesIO()
    written = exporter.write(Evaluation.objects.order_by("pk"), buffer, title="2023年度", keep=keep)
    assert (written, len(seen)) == (1, 2)
    assert buffer.getvalue()
    assert exporter.filename("2023年度").endswith(f".{exporter.extension}")


@pytest.mark.django_db
def test_the_json_of_the_command_is_the_exporters(tmp_path, two_forms, capsys):
    out = tmp_path / "2023.json"
    call_command("export_forms", year=2023, format="json", out=out)
    exporter = YEAR_EXPORTERS["json"]
    buffer = io.BytesIO()
    assert exporter.write(Evaluation.objects.filter(year=2023), buffer, title="") == 2
    assert out.read_bytes() == buffer.getvalue()
    call_command("export_forms", year=2023)  # the default format, to standard output
    printed = capsys.readouterr()
    assert printed.out == buffer.getvalue().decode()
    document = json.loads(printed.out)
    assert [form["project_name"] for form in document["forms"]] == ["价格认证资金", "法律顾问"]
