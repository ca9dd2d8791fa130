from django.core.management.base import BaseCommand

from projects.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "载入演示数据：种子文件中的14张2023年度自评表，以及每个角色的演示账号（可重复执行）"

    def handle(self, *args, **options) -> None:
        result = load_demo()
        self.stdout.write(
            f"演示自评表：新建 {result.created_forms} 张，已存在 {result.existing_forms} 张"
        )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for account in result.accounts:
            scope = "、".join(account.departments) or "全部部门"
            self.stdout.write(f"  {account.username:<10} {account.role.value}  {scope}")
