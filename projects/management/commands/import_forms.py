import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from projects.interchange import InterchangeError, read_document
from projects.services import evaluation_import


class Command(BaseCommand):
    help = "导入自评表（JSON 交换格式 selfeval/1）；每个文件要么全部导入，要么不做任何改动"

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="文件或文件夹")

    def handle(self, *args, paths: list[Path], **options) -> None:
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"找不到文件或文件夹：{path}")
        failed = 0
        for path in files:
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                forms = read_document(raw)
                with transaction.atomic():
                    for form in forms:
                        evaluation_import(data=form)
            except (UnicodeDecodeError, json.JSONDecodeError):
                failed += 1
                self.stderr.write(f"✗ {path}：不是有效的 UTF-8 JSON 文件")
            except InterchangeError as exc:
                failed += 1
                self.stderr.write(f"✗ {path}：{exc}")
            else:
                self.stdout.write(f"✓ {path}：导入 {len(forms)} 张自评表")
        if failed:
            raise CommandError(f"{failed} 个文件未导入（其余文件已导入）")
