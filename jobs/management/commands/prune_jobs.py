"""Delete old finished background jobs and their result files (ZIP, Excel)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from jobs.services import jobs_prune


class Command(BaseCommand):
    help = "删除完成超过指定天数的后台任务及其结果文件（整年 ZIP、Excel 汇总表）；排队中和进行中的任务不受影响"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=7, help="删除多少天以前完成的任务（默认 7）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 0:
            raise CommandError("--days 不能为负数")
        jobs, files = jobs_prune(older_than=timedelta(days=days), dry_run=dry_run)
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(f"{verb} {jobs} 个 {days} 天前完成的后台任务，{files} 个结果文件。")
