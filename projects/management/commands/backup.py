from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "备份全部数据（自评表、指标、审核、部门、项目、用户及其分配、历史记录）到一个文件，"
        "格式 selfeval-backup/1（JSON Lines；文件名以 .gz 结尾时压缩）"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="备份文件路径")

    def handle(self, *args, out: Path, **options) -> None:
        if not out.parent.is_dir():
            raise CommandError(f"文件夹不存在：{out.parent}")
        try:
            counts = backup_write(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已备份 {sum(counts.values())} 行（{len(counts)} 张表）到 {out}")
        for label, count in counts.items():
            if count:
                self.stdout.write(f"  {label}: {count}")
