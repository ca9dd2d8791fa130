"""Rebuild the stored score summaries (EvaluationSummary) that the dashboard aggregates."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from projects.models import Evaluation
from projects.selectors.evaluations import evaluation_result, scoring_rules, with_rows
from projects.summaries import rules_digest, summaries_refresh_all, summary_matches_result


class Command(BaseCommand):
    help = (
        "重新计算自评表得分汇总（仪表盘、列表与 Excel 汇总表使用）。评分规则改变后、或升级后首次部署时运行。"
        "--check 只检查不写入：有汇总与实时计算不一致时以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="只处理该年度的自评表")
        parser.add_argument(
            "--check", action="store_true", help="只检查汇总是否与实时计算一致，不写入"
        )

    def handle(self, *args, year: int | None = None, check: bool = False, **options):
        queryset = Evaluation.objects.all()
        if year is not None:
            queryset = queryset.filter(year=year)
        if check:
            self._check(queryset)
            return
        started = time.monotonic()
        count = summaries_refresh_all(queryset)
        self.stdout.write(
            f"已重新计算 {count} 张自评表的得分汇总，用时 {time.monotonic() - started:.1f} 秒"
        )

    def _check(self, queryset):
        rules = scoring_rules()
        digest = rules_digest(rules)
        stale = []
        for evaluation in with_rows(queryset.select_related("summary")).iterator(chunk_size=500):
            summary = getattr(evaluation, "summary", None)
            if (
                summary is None
                or summary.rules_digest != digest
                or not summary_matches_result(
                    summary, evaluation_result(evaluation, rules), evaluation=evaluation
                )
            ):
                stale.append(str(evaluation))
        if stale:
            raise CommandError(
                f"{len(stale)} 张自评表的得分汇总缺失或已过期（请运行 refresh_summaries）："
                + "；".join(stale[:20])
            )
        self.stdout.write("得分汇总与实时计算一致")
