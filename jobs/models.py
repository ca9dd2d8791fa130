"""Long jobs run off the request (a year's ZIP, an Excel summary, a bulk import): what
the user sees of them.

The queue itself is django-tasks with its database backend (``django_tasks_db``): the
task row is written in the same transaction as the Job, and ``manage.py db_worker``
runs it. This model adds what the queue does not know: who asked, for what, how far
it got, and where the result is.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Job(models.Model):
    class Kind(models.TextChoices):
        YEAR_ZIP = "year_zip", "打包下载（ZIP）"  # a year, or the list's filters
        BULK_IMPORT = "bulk_import", "批量导入"
        XLSX_SUMMARY = "xlsx_summary", "Excel 汇总表"
        YEAR_REPORT = "year_report", "年度绩效自评情况报告"  # a year, optionally one 主管部门

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    ACTIVE = (State.QUEUED, State.RUNNING)

    kind = models.CharField("类型", max_length=20, choices=Kind)
    # What makes two requests the same job: the year, the list's filters, or a digest of
    # the uploaded files.
    key = models.CharField("参数", max_length=100)
    params = models.JSONField("参数详情", default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs", verbose_name="用户"
    )
    state = models.CharField("状态", max_length=10, choices=State, default=State.QUEUED)
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.TextField("说明", blank=True)
    result_name = models.CharField("结果文件", max_length=255, blank=True)  # in default_storage
    result_filename = models.CharField("下载文件名", max_length=255, blank=True)
    report = models.JSONField("报告", default=list, blank=True)
    task_id = models.CharField("队列任务", max_length=64, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    # The worker touches this as it goes: a running job that stops moving was lost.
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        constraints = [
            # A second click finds the first job instead of starting another.
            models.UniqueConstraint(
                fields=["user", "kind", "key"],
                condition=Q(state__in=["queued", "running"]),
                name="job_one_active_per_request",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "done", "failed"]),
                name="job_state_valid",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}（{self.get_state_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


class WorkerHeartbeat(models.Model):
    """A running ``manage.py jobs_worker`` says it is alive, every few seconds.

    django-tasks-db records which worker claimed a task, not whether any worker is
    running: without this a queued job would sit at 0% with nobody saying why.
    """

    worker_id = models.CharField("处理程序", max_length=64, unique=True)
    host = models.CharField("主机", max_length=255, blank=True)
    pid = models.PositiveIntegerField("进程号", default=0)
    seen_at = models.DateTimeField("最近心跳")

    class Meta:
        verbose_name = "后台任务处理程序"
        verbose_name_plural = "后台任务处理程序"

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}（{self.seen_at:%Y-%m-%d %H:%M:%S}）"
