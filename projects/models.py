"""Departments, projects and the yearly self-evaluation form with its rows.

Only stored facts live here: what a person typed (or what a paper form said).
Every computed number (执行率, 得分, 总分, 等级) comes from
``indicators.scoring`` through ``projects.selectors.evaluations.evaluation_result``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from indicators.models import Level2
from indicators.scoring import (
    BUDGET_LINE_LABELS,
    DIRECTION_LABELS,
    TIER_LABELS,
    BudgetLineKind,
    DirectionChoice,
    Tier,
)

MONEY = {"max_digits": 15, "decimal_places": 6}  # 万元, up to 6 decimals (seed: 23.380701)
SCORE = {"max_digits": 7, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]

# 输入限制 (docs/deploy.md): the longest text of each field, in characters. The forms,
# the importers and the database (``_lengths_within``, SQLite too) all read these; the
# seed forms' longest cell has 247 characters.
DEPARTMENT_NAME_MAX = 100
PROJECT_NAME_MAX = 200
PERSON_MAX = 50  # 项目负责人, 联系电话
GOAL_MAX = 10_000  # 预期目标, 实际完成情况
INDICATOR_NAME_MAX = 500  # 三级指标
INDICATOR_VALUE_MAX = 1_000  # 年度指标值, 实际完成值
REASON_MAX = 5_000  # 调整得分理由, 偏差原因分析及改进措施
COMMENT_MAX = 5_000  # 审核意见 (整表, 每行), 历史说明
REOPEN_REASON_MAX = 2_000  # 重新打开的理由 (it goes into the 整表审核意见)
AMOUNT_NOTE_MAX = 5_000  # 金额换算说明
EVIDENCE_NAME_MAX = 255  # 佐证材料的文件名 (longer names are cut, keeping the extension)
PAPER_NOTES_MAX = 20_000  # 原表附注
YEAR_NOTE_MAX = 200  # 填报年度·说明


def _lengths_within(constraint: str, **limits: int) -> models.CheckConstraint:
    """One constraint holding text fields to their limits (one query in ``full_clean``)."""
    conditions = [Q(LessThanOrEqual(Length(field), limit)) for field, limit in limits.items()]
    condition = conditions[0]
    for more in conditions[1:]:
        condition &= more
    return models.CheckConstraint(condition=condition, name=constraint)


class Department(models.Model):
    """A 主管部门 (no parent) or an 实施单位 under one."""

    name = models.CharField("名称", max_length=DEPARTMENT_NAME_MAX)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name="主管部门",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "部门/单位"
        verbose_name_plural = "部门/单位"
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="department_unique_top_name"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="department_unique_unit_name"),
            _lengths_within("department_text_lengths", name=DEPARTMENT_NAME_MAX),
        ]

    def __str__(self) -> str:
        return self.name if self.parent_id is None else f"{self.parent} / {self.name}"


class Project(models.Model):
    name = models.CharField("项目名称", max_length=PROJECT_NAME_MAX)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="projects", verbose_name="主管部门"
    )
    implementing_unit = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_projects",
        verbose_name="实施单位",
    )

    class Meta:
        ordering = ["department__name", "name"]
        verbose_name = "项目"
        verbose_name_plural = "项目"
        # The list is ordered by project name within a year: with this index a page
        # of one year is read in name order instead of sorting every form (bench/scale.py).
        indexes = [models.Index(fields=["name"], name="project_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"], name="project_unique_name_per_department"
            ),
            _lengths_within("project_text_lengths", name=PROJECT_NAME_MAX),
        ]

    def __str__(self) -> str:
        return self.name


class Evaluation(models.Model):
    """One 项目支出绩效自评表: a project in a year."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已通过"

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="evaluations", verbose_name="项目"
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField("状态", max_length=16, choices=Status, default=Status.DRAFT)
    project_lead = models.CharField("项目负责人", max_length=PERSON_MAX, blank=True)
    contact_phone = models.CharField("联系电话", max_length=PERSON_MAX, blank=True)
    goal_expected = models.TextField(
        "年度总体目标·预期目标",
        max_length=GOAL_MAX,
        blank=True,
        validators=[MaxLengthValidator(GOAL_MAX)],
    )
    goal_actual = models.TextField(
        "年度总体目标·实际完成情况",
        max_length=GOAL_MAX,
        blank=True,
        validators=[MaxLengthValidator(GOAL_MAX)],
    )
    budget_weight = models.DecimalField(
        "预算执行率分值", **SCORE, default=Decimal("10"), validators=NON_NEGATIVE
    )

    # What a paper form said (imported or demo forms), kept beside what we compute.
    legacy = models.BooleanField("历史表单（导入/演示）", default=False)
    recorded_budget_score = models.DecimalField("原表预算执行得分", **SCORE, null=True, blank=True)
    recorded_execution_rate = models.CharField("原表执行率", max_length=30, blank=True)
    recorded_total_weight = models.DecimalField("原表总分值", **SCORE, null=True, blank=True)
    recorded_total_score = models.DecimalField("原表总分", **SCORE, null=True, blank=True)
    amount_unit_converted = models.BooleanField("金额已由元换算为万元", default=False)
    amount_unit_note = models.TextField(
        "金额换算说明",
        max_length=AMOUNT_NOTE_MAX,
        blank=True,
        validators=[MaxLengthValidator(AMOUNT_NOTE_MAX)],
    )

    paper_notes = models.TextField(
        "原表附注",
        max_length=PAPER_NOTES_MAX,
        blank=True,
        validators=[MaxLengthValidator(PAPER_NOTES_MAX)],
        help_text="纸质表格在指标表之后写的内容：评价结论、存在问题、改进措施、说明、签字等",
    )

    # The reviewer's comment on the whole form (per-row comments are on Indicator);
    # shown to the filler at the top of a returned form.
    review_comment = models.TextField(
        "审核意见（整表）",
        max_length=COMMENT_MAX,
        blank=True,
        validators=[MaxLengthValidator(COMMENT_MAX)],
    )

    # Optimistic locking: a save names the version it was loaded at (a form is open for minutes).
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )

    class Meta:
        ordering = ["-year", "project__name"]
        verbose_name = "绩效自评表"
        verbose_name_plural = "绩效自评表"
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="evaluation_one_per_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="evaluation_year_range"
            ),
            models.CheckConstraint(
                condition=Q(budget_weight__gte=0), name="evaluation_budget_weight_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "returned", "approved"]),
                name="evaluation_status_valid",
            ),
            _lengths_within(
                "evaluation_text_lengths",
                project_lead=PERSON_MAX,
                contact_phone=PERSON_MAX,
                goal_expected=GOAL_MAX,
                goal_actual=GOAL_MAX,
                amount_unit_note=AMOUNT_NOTE_MAX,
                paper_notes=PAPER_NOTES_MAX,
                review_comment=COMMENT_MAX,
            ),
        ]
        indexes = [models.Index(fields=["year", "status"], name="evaluation_year_status")]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.project}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation_detail", args=[self.pk])


class ReportingYear(models.Model):
    """A 年度 of self-evaluation as the admin opens and closes it for filling.

    Open: fillers may start new forms for the year and edit and submit their drafts.
    Closed (已截止): the year's forms are read-only for fillers; review goes on.
    A year without a record (forms imported from paper, say) takes no new forms, and
    its forms stay editable until the admin records the year and closes it.
    """

    year = models.PositiveSmallIntegerField(
        "年度", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    is_open = models.BooleanField("开放填报", default=True)
    deadline = models.DateField("填报截止日期", null=True, blank=True)
    note = models.CharField("说明", max_length=YEAR_NOTE_MAX, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = "填报年度"
        verbose_name_plural = "填报年度"
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="reporting_year_range"
            ),
            _lengths_within("reporting_year_text_lengths", note=YEAR_NOTE_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度（{'开放填报' if self.is_open else '已截止'}）"


class EvaluationTask(models.Model):
    """A 自评任务: the admin asks for a project's form of a year, by a deadline.

    Its state is read from the project's form of that year (``projects.selectors.tasks``):
    未开始 while there is none, else the form's status; 逾期 when the form is not
    submitted or approved once the deadline has passed.
    """

    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="tasks", verbose_name="项目"
    )
    deadline = models.DateField("截止日期")
    created_at = models.DateTimeField("下达时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="下达人",
    )

    class Meta:
        ordering = ["-year", "project__department__name", "project__name"]
        verbose_name = "自评任务"
        verbose_name_plural = "自评任务"
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="task_one_per_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="task_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.project}（{self.deadline:%Y-%m-%d}截止）"


class BudgetLine(models.Model):
    """One row of the 项目资金（万元） block; amounts in 万元."""

    Kind = models.TextChoices(
        "Kind", [(k.name, (k.value, BUDGET_LINE_LABELS[k])) for k in BudgetLineKind]
    )

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="budget_lines", verbose_name="自评表"
    )
    kind = models.CharField("资金类别", max_length=16, choices=Kind)
    initial_budget = models.DecimalField(
        "年初预算数", **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    annual_budget = models.DecimalField(
        "全年预算数", **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )
    executed = models.DecimalField(
        "全年执行数", **MONEY, null=True, blank=True, validators=NON_NEGATIVE
    )

    class Meta:
        verbose_name = "项目资金"
        verbose_name_plural = "项目资金"
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "kind"], name="budget_line_one_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in BudgetLineKind]),
                name="budget_line_kind_valid",
            ),
            models.CheckConstraint(
                condition=(
                    (Q(initial_budget__isnull=True) | Q(initial_budget__gte=0))
                    & (Q(annual_budget__isnull=True) | Q(annual_budget__gte=0))
                    & (Q(executed__isnull=True) | Q(executed__gte=0))
                ),
                name="budget_line_amounts_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.get_kind_display()}"


class Indicator(models.Model):
    """A 三级 indicator row of the 绩效指标 table."""

    Tier = models.TextChoices("Tier", [(t.name, (t.value, TIER_LABELS[t])) for t in Tier])
    # 指标方向: "" (自动) or the filler's choice (docs/rules.md「指标方向」).
    DIRECTION_CHOICES = [("", "自动"), *((d.value, label) for d, label in DIRECTION_LABELS.items())]

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="indicators", verbose_name="自评表"
    )
    level2 = models.ForeignKey(
        Level2, on_delete=models.PROTECT, related_name="indicators", verbose_name="二级指标"
    )
    position = models.PositiveIntegerField("排序", default=0)
    name = models.CharField("三级指标", max_length=INDICATOR_NAME_MAX, blank=True)
    target = models.CharField("年度指标值", max_length=INDICATOR_VALUE_MAX, blank=True)
    # "" is automatic: the rule derives the direction from 年度指标值 and the 二级.
    direction = models.CharField(
        "指标方向", max_length=16, choices=DIRECTION_CHOICES, blank=True, default=""
    )
    actual = models.CharField("实际完成值", max_length=INDICATOR_VALUE_MAX, blank=True)
    # The parsed form of 年度指标值/实际完成值, refreshed by the service on every save.
    target_comparator = models.CharField("指标值比较符", max_length=4, blank=True)
    target_number = models.DecimalField(
        "指标值数值", max_digits=24, decimal_places=8, null=True, blank=True
    )
    target_unit = models.CharField("指标值单位", max_length=20, blank=True)
    actual_number = models.DecimalField(
        "完成值数值", max_digits=24, decimal_places=8, null=True, blank=True
    )
    actual_unit = models.CharField("完成值单位", max_length=20, blank=True)
    weight = models.DecimalField("分值", **SCORE, null=True, blank=True, validators=NON_NEGATIVE)
    score = models.DecimalField("得分", **SCORE, null=True, blank=True, validators=NON_NEGATIVE)
    tier = models.CharField("定性档次", max_length=16, choices=Tier, blank=True)
    override_reason = models.TextField(
        "调整得分理由",
        max_length=REASON_MAX,
        blank=True,
        validators=[MaxLengthValidator(REASON_MAX)],
    )
    deviation_reason = models.TextField(
        "偏差原因分析及改进措施",
        max_length=REASON_MAX,
        blank=True,
        validators=[MaxLengthValidator(REASON_MAX)],
    )
    review_score = models.DecimalField(
        "审核得分", **SCORE, null=True, blank=True, validators=NON_NEGATIVE
    )
    review_comment = models.TextField(
        "审核意见", max_length=COMMENT_MAX, blank=True, validators=[MaxLengthValidator(COMMENT_MAX)]
    )

    class Meta:
        ordering = ["evaluation", "position", "pk"]
        verbose_name = "三级指标"
        verbose_name_plural = "三级指标"
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(weight__isnull=True) | Q(weight__gte=0))
                    & (Q(score__isnull=True) | Q(score__gte=0))
                    & (Q(review_score__isnull=True) | Q(review_score__gte=0))
                ),
                name="indicator_scores_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(tier__in=["", *[t.value for t in Tier]]), name="indicator_tier_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=[d.value for d in DirectionChoice]),
                name="indicator_direction_valid",
            ),
            # A 审核得分 is always accompanied by 审核意见 (docs/rules.md).
            models.CheckConstraint(
                condition=Q(review_score__isnull=True) | ~Q(review_comment=""),
                name="indicator_review_score_has_comment",
            ),
            _lengths_within(
                "indicator_text_lengths",
                name=INDICATOR_NAME_MAX,
                target=INDICATOR_VALUE_MAX,
                actual=INDICATOR_VALUE_MAX,
                override_reason=REASON_MAX,
                deviation_reason=REASON_MAX,
                review_comment=COMMENT_MAX,
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"（未命名指标 #{self.pk}）"


class DepartmentAssignment(models.Model):
    """Which departments a filler works for, or a reviewer reviews.

    An assignment to a 主管部门 covers the projects of all its 实施单位.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="department_assignments",
        verbose_name="用户",
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="assignments", verbose_name="部门/单位"
    )

    class Meta:
        verbose_name = "部门分配"
        verbose_name_plural = "部门分配"
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.department}"


class EvaluationSummary(models.Model):
    """What a form's scoring result says, stored so that the dashboard can aggregate in SQL.

    A cache, never typed: ``projects.summaries.evaluation_summary_refresh`` writes it
    from ``selectors.evaluation_result`` whenever a form's rows change, and the
    ``refresh_summaries`` command rewrites all of them (after a change of the scoring
    rules, for instance: ``rules_digest`` tells which rules a row was computed with).
    """

    evaluation = models.OneToOneField(
        Evaluation,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="summary",
        verbose_name="自评表",
    )
    annual_budget = models.DecimalField("全年预算数", **MONEY, null=True, blank=True)
    executed = models.DecimalField("全年执行数", **MONEY, null=True, blank=True)
    # Percent with 2 decimals; amounts typed in 元 instead of 万元 can make it huge.
    execution_rate = models.DecimalField(
        "预算执行率（%）", max_digits=24, decimal_places=2, null=True, blank=True
    )
    budget_weight = models.DecimalField("预算执行率分值", max_digits=12, decimal_places=2)
    budget_score = models.DecimalField("预算执行得分", max_digits=12, decimal_places=2)
    total_weight = models.DecimalField("总分值", max_digits=12, decimal_places=2)
    total_score = models.DecimalField("总分", max_digits=12, decimal_places=2)
    grade = models.CharField("等级", max_length=8)
    # [{"level1": "产出指标", "weight": "50.00", "score": "48.00"}, ...] in form order:
    # the 一级 names are data (the taxonomy), so they are not columns.
    level1_totals = models.JSONField("一级指标得分", default=list, blank=True)
    error_count = models.PositiveIntegerField("错误数", default=0)
    warning_count = models.PositiveIntegerField("警告数", default=0)
    hint_count = models.PositiveIntegerField("审核提示数", default=0)
    # The codes of the form's hints, each once, in ``Code`` order, each between spaces
    # (" all_full_marks target_too_easy "): the dashboard counts the forms carrying a code
    # with ``__contains=" code "`` inside its one aggregate query.
    hint_codes = models.CharField("审核提示类型", max_length=400, blank=True, default="")
    recorded_total_mismatch = models.BooleanField("原表总分有误", default=False)
    # What the Excel summary needs beyond the columns above, so that it reads stored
    # values instead of scoring every form (docs/performance.md「导出」); exact Decimal
    # strings, layout in ``projects.summaries.result_details``. Null: not stored yet
    # (a summary from before this field), and the export scores the form live.
    result_details = models.JSONField("计算结果明细", null=True, blank=True)
    rules_digest = models.CharField("评分规则摘要", max_length=16)
    refreshed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "自评表得分汇总"
        verbose_name_plural = "自评表得分汇总"
        # The dashboard's lowest scores and execution rates: top-N by index (bench/scale.py).
        indexes = [
            models.Index(fields=["total_score"], name="summary_total_score"),
            models.Index(fields=["execution_rate"], name="summary_execution_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}: {self.total_score} {self.grade}"


class EvaluationEvent(models.Model):
    """One entry of a form's history: a workflow step or a save, who, when and what changed.

    Append-only, written by the services themselves (they use ``update()`` and bulk
    operations, which history libraries do not see). ``changes`` holds field-level
    differences: ``[{"where": "第2行「…」", "field": "实际完成值", "before": "10件",
    "after": "9件"}, ...]``, values as shown on the page.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "新建"
        SAVED = "saved", "保存"
        SUBMITTED = "submitted", "提交"
        RETURNED = "returned", "退回"
        APPROVED = "approved", "审核通过"
        REOPENED = "reopened", "重新打开"
        REVIEWED = "reviewed", "审核意见"
        IMPORTED = "imported", "导入"
        EVIDENCE = "evidence", "佐证材料"

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="events", verbose_name="自评表"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    at = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("操作", max_length=16, choices=Kind)
    comment = models.TextField(
        "说明", max_length=COMMENT_MAX, blank=True, validators=[MaxLengthValidator(COMMENT_MAX)]
    )
    changes = models.JSONField("修改内容", default=list, blank=True)
    # The form's version after this step (None for entries older than the field): the
    # two-tab conflict box shows the entries after the version an editor was opened at.
    version = models.PositiveIntegerField("版本", null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "-at", "-pk"]
        verbose_name = "自评表历史"
        verbose_name_plural = "自评表历史"
        indexes = [models.Index(fields=["evaluation", "-at"], name="event_evaluation_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "created",
                        "saved",
                        "submitted",
                        "returned",
                        "approved",
                        "reopened",
                        "reviewed",
                        "imported",
                        "evidence",
                    ]
                ),
                name="event_kind_valid",
            ),
            _lengths_within("event_text_lengths", comment=COMMENT_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Evidence(models.Model):
    """A 佐证材料 file of a form, or of one of its 三级 rows (``projects.evidence``).

    The file is kept in Django's default storage under a random ``key``, never under
    the name it was uploaded with (which is only shown, cleaned); ``content_type`` is
    what its bytes are, decided on upload, and what a download is served as.
    """

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="evidence", verbose_name="自评表"
    )
    indicator = models.ForeignKey(
        "Indicator",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name="三级指标",
    )
    name = models.CharField("文件名", max_length=EVIDENCE_NAME_MAX)
    key = models.CharField("存储位置", max_length=200, unique=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("文件类型", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        ordering = ["evaluation", "uploaded_at", "pk"]
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"

    def __str__(self) -> str:
        return self.name


class LoginFailure(models.Model):
    """Sign-in attempts of one username from one address (``selfeval/login.py``).

    Counted before the password is checked and cleared by a successful sign-in, so
    what is left are failures. In the database, not in a per-process cache, so that
    every app-server process counts the same attempts.
    """

    key = models.CharField("用户名与地址摘要", max_length=64, primary_key=True)
    failures = models.PositiveIntegerField("失败次数", default=0)
    first_at = models.DateTimeField("首次失败时间", default=timezone.now)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"

    def __str__(self) -> str:
        return f"{self.key[:8]}… × {self.failures}"


class PasswordChangeRequired(models.Model):
    """A user who must choose a new password before using the app (``selfeval/passwords.py``).

    Set when an admin creates the account or resets its password under 系统管理;
    removed when the user has changed it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_change_required",
        verbose_name="用户",
    )
    since = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = "须修改密码的用户"
        verbose_name_plural = "须修改密码的用户"

    def __str__(self) -> str:
        return str(self.user)
