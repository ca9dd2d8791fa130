"""The form page: edit in place, live recalculation, row actions, save, read-only and print."""

import re
from decimal import Decimal

import pytest

from projects.forms.evaluations import ERROR_COMMA, ERROR_NOT_A_NUMBER, ERROR_SCORE_OUT_OF_BAND
from projects.models import Evaluation, Indicator
from projects.services.evaluations import (
    ERROR_STALE_VERSION,
)
from projects.views.evaluations import SAVE_REFUSED
from tests.factories import add_indicator, level2, make_evaluation, make_project
from tests.projects.form_helpers import page_data, url

pytestmark = pytest.mark.django_db


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"#{element_id} not on the page"
    return match.group(1).strip()


# --- the page ------------------------------------------------------------------------


def test_filler_gets_the_editable_table(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    response = client.get(url("evaluation_detail", evaluation_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "项目支出绩效自评表" in html and "（2023年度）" in html
    for heading in (
        "项目资金<br>（万元）",
        "年度<br>总体目标",
        "一级指标",
        "二级指标",
        "三级指标",
        "总分",
    ):
        assert heading in html
    assert 'name="indicator-0-name"' in html and 'name="version" value="1"' in html
    # 一级/二级 cells span their rows: 3 rows of 产出/数量, plus the empty 二级 of 产出.
    assert re.search(r'<th rowspan="3" scope="rowgroup" class="level2">', html)
    assert re.search(r'<th rowspan="6" scope="rowgroup" class="level1">', html)
    assert (text_of(html, "total-score"), text_of(html, "grade")) == ("100.00", "优")


def test_submitted_form_is_read_only_for_its_filler(client, filler_a, dept_a):
    submitted = make_evaluation(make_project(dept_a), indicators=2, status="submitted")
    client.force_login(filler_a)
    html = client.get(url("evaluation_detail", submitted)).content.decode()
    assert "只读：此表已提交，不能修改" in html
    assert 'name="indicator-0-name"' not in html
    assert text_of(html, "total-score") == "100.00"


def test_reviewer_sees_the_read_only_table(client, reviewer_a, evaluation_a):
    client.force_login(reviewer_a)
    html = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    assert "只读：您没有填报权限" in html and "<textarea" not in html


def test_outsider_gets_404(client, filler_b, evaluation_a):
    client.force_login(filler_b)
    for name in ("evaluation_detail", "evaluation_print"):
        assert client.get(url(name, evaluation_a)).status_code == 404
    for name in ("evaluation_save", "evaluation_recalculate", "evaluation_rows"):
        assert client.post(url(name, evaluation_a), page_data(evaluation_a)).status_code == 404


def test_wrong_methods(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    for name in ("evaluation_detail", "evaluation_print"):
        assert client.post(url(name, evaluation_a)).status_code == 405
    # A GET of a button's address (a reload, the sign-in's next=) goes to the form page.
    for name in ("evaluation_save", "evaluation_recalculate", "evaluation_rows"):
        response = client.get(url(name, evaluation_a))
        assert (response.status_code, response["Location"]) == (
            302,
            evaluation_a.get_absolute_url(),
        )
        assert client.put(url(name, evaluation_a)).status_code == 405


def test_reviewer_cannot_post_changes(client, reviewer_a, evaluation_a):
    client.force_login(reviewer_a)
    for name in ("evaluation_save", "evaluation_recalculate", "evaluation_rows"):
        assert client.post(url(name, evaluation_a), page_data(evaluation_a)).status_code == 403


def test_print_view_is_the_read_only_table(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    response = client.get(url("evaluation_print", evaluation_a))
    html = response.content.decode()
    assert response.status_code == 200
    assert "打印预览（只读）" in html and "<textarea" not in html
    # The PDF export's own table partial, from the same sheet.
    assert 'class="se-sheet' in html and "evaluation_table.css" in html
    assert "<b>100.00</b>" in html


# --- save --------------------------------------------------------------------------------


def test_save_stores_everything_and_redirects(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data.update(
        {
            "project_lead": "张三",
            "goal_actual": "已完成",
            "budget-total-executed": "99.35",
            "indicator-1-actual": "8件",
            "indicator-1-deviation_reason": "受疫情影响",
        }
    )
    response = client.post(url("evaluation_save", evaluation_a), data)
    assert response.status_code == 302 and response["Location"] == url(
        "evaluation_detail", evaluation_a
    )
    stored = Evaluation.objects.get(pk=evaluation_a.pk)
    assert (stored.project_lead, stored.goal_actual, stored.version) == ("张三", "已完成", 2)
    assert stored.budget_lines.get(kind="total").executed == Decimal("99.35")
    row = stored.indicators.get(position=2)
    # The score followed the rule (8/10 of 30) since the filler did not type one.
    assert (row.actual, row.score, row.deviation_reason) == ("8件", Decimal("24.00"), "受疫情影响")
    html = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    assert "已保存" in html and text_of(html, "execution-rate") == "99.35%"


def test_an_incomplete_draft_is_saved(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data.update(
        {"budget-total-annual_budget": "", "indicator-0-weight": "", "indicator-0-name": ""}
    )
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 302
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 2


def test_invalid_input_comes_back_as_typed(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data.update({"budget-total-executed": "九十九", "goal_actual": "我写了很长的一段话"})
    response = client.post(url("evaluation_save", evaluation_a), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert SAVE_REFUSED in html and ERROR_NOT_A_NUMBER in html
    assert 'value="九十九"' in html and "我写了很长的一段话" in html
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 1


def test_a_decimal_comma_is_refused_not_read_as_thousands(client, filler_a, evaluation_a):
    # "12,3" used to be saved as 123: a silent tenfold error in a money field.
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data["budget-total-executed"] = "12,3"
    response = client.post(url("evaluation_save", evaluation_a), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"项目资金·年度资金总额·全年执行数：{ERROR_COMMA}" in html
    assert 'value="12,3"' in html
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 1


def test_a_stale_version_is_refused_and_the_input_kept(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 302  # v2 now
    data["goal_actual"] = "在旧版本上写的内容"
    response = client.post(url("evaluation_save", evaluation_a), data)
    html = response.content.decode()
    assert response.status_code == 409
    assert ERROR_STALE_VERSION in html and "在旧版本上写的内容" in html
    assert Evaluation.objects.get(pk=evaluation_a.pk).goal_actual == ""


def test_a_qualitative_score_outside_its_band_is_refused(client, filler_a, evaluation_a):
    add_indicator(
        evaluation_a,
        level2_obj=level2("满意度指标", "服务对象满意度指标"),
        name="满意度",
        target="较高",
        weight=Decimal("10"),
    )
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data.update(
        {"indicator-3-tier": "partial", "indicator-3-score": "9.5", "indicator-3-score_auto": "0"}
    )
    response = client.post(url("evaluation_save", evaluation_a), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert ERROR_SCORE_OUT_OF_BAND in html
    assert 'data-code="qualitative_score_out_of_band"' in html  # next to the row
    assert 'value="9.5"' in html  # kept as typed
    assert Indicator.objects.get(evaluation=evaluation_a, name="满意度").score is None
    data["indicator-3-score"] = "7.5"
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 302
    row = Indicator.objects.get(evaluation=evaluation_a, name="满意度")
    assert (row.tier, row.score) == ("partial", Decimal("7.50"))


def test_an_overridden_score_keeps_its_reason(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data.update(
        {
            "indicator-0-actual": "9件",
            "indicator-0-score": "30",
            "indicator-0-score_auto": "0",
            "indicator-0-override_reason": "按合同口径已完成",
        }
    )
    client.post(url("evaluation_save", evaluation_a), data)
    row = Indicator.objects.get(evaluation=evaluation_a, position=1)
    assert (row.score, row.override_reason) == (Decimal("30.00"), "按合同口径已完成")
    html = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    assert "score_differs_from_rule" not in html  # the reason was given


# --- live recalculation and row actions ------------------------------------------------


def test_recalculate_returns_the_computed_cells_of_the_unsaved_input(
    client, filler_a, evaluation_a
):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data.update({"budget-total-executed": "99.35", "indicator-0-actual": "5件"})
    response = client.post(url("evaluation_recalculate", evaluation_a), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert text_of(html, "execution-rate") == "99.35%"
    assert text_of(html, "budget-score") == "9.93"
    # 9.93 + 15 (5 of ≥10 on a 30 row) + 30 + 30
    assert text_of(html, "total-score") == "84.93"
    assert text_of(html, "grade") == "良"
    assert 'id="calc-row-0" hx-swap-oob="true"' in html and 'data-suggested="15"' in html
    assert 'data-code="missing_deviation_reason"' in html  # next to row 0
    assert 'id="findings-summary"' in html and 'href="#row-0"' in html
    assert "<input" not in html and "<textarea" not in html  # never touches what is typed
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 1  # nothing saved


def test_add_a_row_under_a_level2_keeps_the_input(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    social = level2("效益指标", "社会效益指标")
    data = page_data(evaluation_a)
    data.update(
        {"goal_actual": "还没保存", "indicator-0-actual": "7件", "row_action": f"add:{social.pk}"}
    )
    response = client.post(url("evaluation_rows", evaluation_a), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="indicator-3-name"' in html and "data-autofocus" in html
    assert 'value="4"' in html  # TOTAL_FORMS
    assert "还没保存" in html and ">7件</textarea>" in html
    assert 'id="findings-summary" class="findings-summary d-print-none"' in html


def test_remove_a_row_then_save_deletes_it(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    removed = client.post(
        url("evaluation_rows", evaluation_a), {**page_data(evaluation_a), "row_action": "remove:1"}
    )
    data = {
        key: value
        for key, value in removed.context["editor"].data.items()
        if key not in {"row_action", "csrfmiddlewaretoken"}
    }
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 302
    assert list(evaluation_a.indicators.order_by("position").values_list("name", flat=True)) == [
        "完成件数1",
        "完成件数3",
    ]


# --- query counts: the same whatever the number of rows ---------------------------------

# session, user, roles, the form with its lines and rows (3), assigned departments,
# the taxonomy, the 一级 weights.
RECALCULATE_QUERIES = 9
# The same, plus the project's forms across the years (the 历年自评情况 table), the
# form's history (修改记录: one query for the events with their users) and the rows of
# the project's previous form (上年 beside each row: one query, a form as its subquery)
# and its 佐证材料 (one query with their rows and uploaders, whatever their number).
PAGE_QUERIES = RECALCULATE_QUERIES + 4
# The recalculation's 9, then in one transaction: the versioned UPDATE of the form, the DELETE of
# removed rows, one UPDATE of all changed rows, one INSERT of the new ones, and the score
# summary (projects.summaries: rules, the form reloaded with its rows, the upsert), with
# their savepoints; one INSERT of the history entry with the field-level changes; and,
# for the removed row, the SELECT and UPDATE that keep its 佐证材料 on the form (SET_NULL).
SAVE_QUERIES = 30


def _form_with_rows(dept_a, rows):
    return make_evaluation(make_project(dept_a, f"{rows}行的项目"), indicators=rows)


@pytest.mark.parametrize("rows", [5, 60])
def test_page_query_count(client, filler_a, dept_a, rows, django_assert_num_queries):
    evaluation = _form_with_rows(dept_a, rows)
    client.force_login(filler_a)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(url("evaluation_detail", evaluation))
    assert f'name="indicator-{rows - 1}-name"' in response.content.decode()


@pytest.mark.parametrize("rows", [5, 60])
def test_recalculate_query_count(client, filler_a, dept_a, rows, django_assert_num_queries):
    evaluation = _form_with_rows(dept_a, rows)
    data = page_data(evaluation)
    client.force_login(filler_a)
    with django_assert_num_queries(RECALCULATE_QUERIES):
        client.post(url("evaluation_recalculate", evaluation), data)


@pytest.mark.parametrize("rows", [5, 60])
def test_save_query_count(client, filler_a, dept_a, rows, django_assert_num_queries):
    """Every row changed, one added and one removed: still a fixed number of queries."""
    evaluation = _form_with_rows(dept_a, rows)
    data = page_data(evaluation)
    for index in range(rows):
        data[f"indicator-{index}-actual"] = "9件"
    data[f"indicator-{rows - 1}-id"] = ""  # the last row is new, the stored one goes
    client.force_login(filler_a)
    with django_assert_num_queries(SAVE_QUERIES):
        response = client.post(url("evaluation_save", evaluation), data)
    assert response.status_code == 302
    assert evaluation.indicators.filter(actual="9件").count() == rows


def test_a_reviewers_score_counts_on_the_editable_page(client, filler_a, evaluation_a):
    """A returned form: the 审核得分 counts, as in every other view of the form."""
    row = evaluation_a.indicators.get(position=1)
    row.review_score, row.review_comment = Decimal("20"), "数量核减"
    row.save()
    evaluation_a.status = Evaluation.Status.RETURNED
    evaluation_a.save()
    client.force_login(filler_a)
    html = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    assert 'name="indicator-0-name"' in html  # editable
    assert text_of(html, "total-score") == "90.00"
    assert "审核得分：20.00" in html and "数量核减" in html
    recalculated = client.post(url("evaluation_recalculate", evaluation_a), page_data(evaluation_a))
    assert text_of(recalculated.content.decode(), "total-score") == "90.00"
    assert (
        client.post(url("evaluation_save", evaluation_a), page_data(evaluation_a)).status_code
        == 302
    )
    row.refresh_from_db()
    assert (row.review_score, row.review_comment) == (Decimal("20.00"), "数量核减")


@pytest.mark.parametrize("level2_id", ["9" * 26, "²"])
def test_an_impossible_level2_in_a_row_action_or_row_is_no_500(
    client, filler_a, evaluation_a, level2_id
):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    response = client.post(
        url("evaluation_rows", evaluation_a), {**data, "action": f"add:{level2_id}"}
    )
    assert response.status_code == 200
    response = client.post(
        url("evaluation_rows", evaluation_a), {**data, "action": f"up:{level2_id}"}
    )
    assert response.status_code == 200
    data["indicator-0-level2"] = level2_id
    response = client.post(url("evaluation_save", evaluation_a), data)
    assert response.status_code == 200
    assert "请从指标体系中选择二级指标" in response.content.decode()
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 1


# --- a form just copied from last year: blanks are to-dos, not red errors ---


@pytest.fixture
def copied(evaluation_a, filler_a, open_round):
    from projects.services.evaluations import (
        evaluation_create_from_previous,
    )

    return evaluation_create_from_previous(previous=evaluation_a, user=filler_a)


def _red(html: str) -> int:
    return html.count('class="finding finding-error"')


def test_a_copied_form_opens_with_to_dos_not_errors(client, filler_a, copied):
    client.force_login(filler_a)
    html = client.get(url("evaluation_detail", copied)).content.decode()
    assert _red(html) == 0 and 'data-block="errors"' not in html
    # 3 rows without 得分/偏差原因 (+ their 实际完成值 notes) and the empty 项目资金
    assert '待填写（<span class="count">7</span>）' in html
    assert html.count('class="finding finding-todo"') == 7
    assert "分值结构与默认不同" in html  # a real warning stays a warning


def test_typing_a_result_makes_that_rows_findings_real(client, filler_a, copied):
    data = page_data(copied)
    data["indicator-0-actual"] = "5件"  # below the target: the rule gives 15 of 30
    client.force_login(filler_a)
    html = client.post(url("evaluation_recalculate", copied), data).content.decode()
    row_0 = html[html.index('id="findings-row-0"') :].split("</div></div>")[0]
    assert "finding-error" in row_0 and "偏差原因" in row_0
    assert html.count('class="finding finding-todo"') > 0  # the other rows wait still


def test_a_blocked_submit_shows_every_finding_red(client, filler_a, copied):
    client.force_login(filler_a)
    response = client.post(url("evaluation_submit", copied), {"version": copied.version})
    assert response["Location"] == url("evaluation_detail", copied) + "?checked=1"
    html = client.get(response["Location"]).content.decode()
    assert "finding-todo" not in html and "待填写（" not in html
    assert 'data-block="errors"' in html and _red(html) == 4
    assert '<input type="hidden" name="checked" value="1">' in html
    copied.refresh_from_db()
    assert copied.status == Evaluation.Status.DRAFT  # the to-dos blocked it


def test_an_imported_forms_paper_notes_show_under_its_table(
    client, filler_a, reviewer_a, evaluation_a
):
    """What the paper form wrote after its table (评价结论, signatures) is kept and shown,
    read-only, to the filler and the reviewer; a form without notes shows no block."""
    assert "paper-notes" not in client_page(client, filler_a, evaluation_a)
    evaluation_a.paper_notes = "评价结论：完成年度目标。\n项目负责人：李四<script>"
    evaluation_a.save()
    for user in (filler_a, reviewer_a):
        html = client_page(client, user, evaluation_a)
        assert "原表附注" in html
        assert "评价结论：完成年度目标。<br>项目负责人：李四&lt;script&gt;" in html


def client_page(client, user, evaluation) -> str:
    client.force_login(user)
    response = client.get(url("evaluation_detail", evaluation))
    assert response.status_code == 200
    return response.content.decode()


# --- 指标方向 ------------------------------------------------------------------------------


def test_the_fillers_direction_is_saved_and_scores_the_row(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    html = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    assert 'name="indicator-0-direction"' in html and 'aria-label="指标方向"' in html
    data = page_data(evaluation_a)
    assert data["indicator-0-direction"] == ""  # 自动
    # 等于 a target of 10: 12 is 2 off, so 30 × (1 − 2/10)
    data.update({"indicator-0-direction": "equal", "indicator-0-actual": "12件"})
    recalculated = client.post(url("evaluation_recalculate", evaluation_a), data).content
    assert 'data-suggested="24"' in recalculated.decode()
    assert "· 等于" in recalculated.decode()
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 302
    row = Indicator.objects.get(evaluation=evaluation_a, position=1)
    assert (row.direction, row.score) == ("equal", Decimal("24.00"))
    html = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    assert '<option value="equal" selected>等于</option>' in html
    # back to 自动: the comparator (≥) decides again, and 12 of ≥10 is met
    data = page_data(evaluation_a)
    assert data["indicator-0-direction"] == "equal"
    data["indicator-0-direction"] = ""
    client.post(url("evaluation_save", evaluation_a), data)
    row.refresh_from_db()
    assert (row.direction, row.score) == ("", Decimal("30.00"))


def test_the_read_only_page_shows_the_direction_used(client, reviewer_a, dept_a):
    evaluation = make_evaluation(make_project(dept_a), status="submitted")
    add_indicator(
        evaluation,
        level2_obj=level2("产出指标", "成本指标"),
        name="总成本",
        target="400",
        actual="399.9",
        weight=Decimal("10"),
    )
    client.force_login(reviewer_a)
    html = client.get(url("evaluation_detail", evaluation)).content.decode()
    assert '<div class="cell-note direction-note">自动：反向</div>' in html


def test_an_unknown_direction_is_refused_as_typed(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data["indicator-0-direction"] = "sideways"
    response = client.post(url("evaluation_save", evaluation_a), data)
    assert response.status_code == 200
    assert "第1行·指标方向" in response.content.decode()
    assert Indicator.objects.get(evaluation=evaluation_a, position=1).direction == ""


def test_the_direction_is_scoped_like_the_other_row_fields(
    client, filler_a, filler_b, reviewer_a, evaluation_a, evaluation_b
):
    data = page_data(evaluation_a)
    data["indicator-0-direction"] = "reverse"
    # another department's filler, and a reviewer, cannot set it
    client.force_login(filler_b)
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 404
    client.force_login(reviewer_a)
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 403
    assert not Indicator.objects.filter(evaluation=evaluation_a).exclude(direction="").exists()
    # a row id of another form posted with this form's page changes nothing of that form
    foreign = evaluation_b.indicators.get(position=1)
    data["indicator-0-id"] = str(foreign.pk)
    client.force_login(filler_a)
    client.post(url("evaluation_save", evaluation_a), data)
    foreign.refresh_from_db()
    assert (foreign.evaluation_id, foreign.direction) == (evaluation_b.pk, "")


# --- hints (审核提示): beside the row and in the summary, lighter than a warning ---


def test_hints_show_beside_the_row_and_in_their_own_block(client, filler_a, reviewer_a, dept_a):
    evaluation = make_evaluation(make_project(dept_a), indicators=3)
    evaluation.indicators.filter(position=1).update(target="合法合规", actual="完成")
    for user in (filler_a, reviewer_a):
        client.force_login(user)
        html = client.get(url("evaluation_detail", evaluation)).content.decode()
        row_findings = re.findall(r'<div class="row-findings[^>]*>(.*?)</div></div>', html)
        assert len(row_findings) == 1  # the first row's, and only the hint
        assert 'class="finding finding-hint" data-code="target_not_measurable"' in row_findings[0]
        assert "ⓘ 数量指标的年度指标值「合法合规」没有数值或可衡量的标准" in row_findings[0]
        assert '提示（<span class="count">2</span>）' in html and 'data-block="hints"' in html
        assert "all_full_marks" in html  # a whole-form hint, in the summary and the form's list
        # the split 产出 90 is a warning: in its own block, before the hints
        assert html.index('警告（<span class="count">1</span>）') < html.index('data-block="hints"')
        assert 'data-block="errors"' not in html


def test_a_blank_rows_hint_stays_a_hint(client, filler_a, copied):
    # A copied row's results are empty (to-dos); its target is typed, so its hint is real.
    copied.indicators.filter(position=1).update(target="按期完成")
    client.force_login(filler_a)
    html = client.get(url("evaluation_detail", copied)).content.decode()
    assert 'class="finding finding-hint" data-code="target_not_measurable"' in html
    assert '提示（<span class="count">1</span>）' in html
