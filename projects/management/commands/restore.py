from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "从 backup 命令写出的文件恢复全部数据（在一个事务中：要么全部恢复，要么不做任何改动）。"
        "先对空数据库运行 migrate；已有数据的库需加 --replace"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="备份文件（.jsonl 或 .jsonl.gz）")
        parser.add_argument(
            "--replace", action="store_true", help="数据库已有数据时，用备份覆盖全部数据"
        )

    def handle(self, *args, file: Path, replace: bool, **options) -> None:
        if not file.is_file():
            raise CommandError(f"找不到备份文件：{file}")
        try:
            result = backup_restore(file, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已恢复 {sum(result.counts.values())} 行（{len(result.counts)} 张表）")
