import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.interchange import FORMAT, evaluation_to_dict
from projects.models import Evaluation
from projects.selectors import evaluation_results, with_rows


class Command(BaseCommand):
    help = "导出某年度的全部自评表（JSON 交换格式 selfeval/1）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度，如 2023")
        parser.add_argument("--format", default="json", choices=["json"], help="导出格式")
        parser.add_argument("--out", type=Path, help="输出文件；不指定时写到标准输出")

    def handle(self, *args, year: int, format: str, out: Path | None, **options) -> None:
        evaluations = with_rows(
            Evaluation.objects.select_related(
                "project", "project__department", "project__implementing_unit"
            ).filter(year=year)
        ).order_by("pk")
        document = {
            "format": FORMAT,
            "forms": [evaluation_to_dict(e, r) for e, r in evaluation_results(evaluations)],
        }
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if out is None:
            sys.stdout.write(text)
            return
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror}") from None
        self.stderr.write(f"已导出 {len(document['forms'])} 张自评表到 {out}")
