import dataclasses
import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.checks import SEVERITY_LABELS, code_label
from projects.imports import (
    REFUSED_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    ImportFailure,
    TaxonomyMap,
    parse_file,
)
from projects.imports.levels import applied_levels, apply_levels, level_notes
from projects.imports.preview import UNEXPECTED, rehearse, score_form_data
from projects.interchange import InterchangeError, form_data_to_dict, read_form_dict, score_str
from projects.selectors.evaluations import scoring_rules
from projects.services.imports import evaluations_import, existing_evaluation

logger = logging.getLogger(__name__)
OFFICE_LOCK_PREFIX = "~$"  # Word/Excel's lock files beside an open document


class Command(BaseCommand):
    help = (
        "导入已填写的自评表：Word（.docx/.doc/.wps）、Excel（.xlsx/.xls/.et）、"
        "有文字层的 PDF 或 JSON 交换格式（selfeval/1）。"
        "可指定文件或文件夹；每个文件要么全部导入，要么不做任何改动，并逐个文件报告结果。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="文件或文件夹")
        parser.add_argument(
            "--dry-run", action="store_true", help="只读取和检查，报告将会导入什么，不写入数据库"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="原名=指标体系中的名称",
            help="文件中指标体系没有的一级/二级指标对应到哪一个："
            "一级写「效果指标=效益指标」，二级写「产出指标/进度指标=时效指标」；可写多次",
        )

    def handle(self, *args, paths: list[Path], dry_run: bool, verbosity: int, **options) -> None:
        files, ignored = self._collect(paths)
        taxonomy = TaxonomyMap.from_db()
        self.choices = _choices(options["map"], taxonomy)
        rules = scoring_rules()
        failed = imported = 0
        for path in files:
            if self._import(path, taxonomy, rules, dry_run=dry_run, verbosity=verbosity):
                imported += 1
            else:
                failed += 1
        if ignored:
            kinds = "/".join(SUPPORTED_EXTENSIONS)
            self.stdout.write(f"已忽略 {ignored} 个不是 {kinds} 的文件")
        action = "可以导入" if dry_run else "已导入"
        self.stdout.write(f"共 {len(files)} 个文件：{action} {imported} 个，未导入 {failed} 个")
        if failed:
            raise CommandError(f"{failed} 个文件未导入（其余文件{action}）")

    def _mapped(self, forms):
        """The forms with --map applied to their 一级/二级, and each form's history note."""
        if not self.choices:
            return forms, None
        data = [form_data_to_dict(form) for form in forms]
        mapped = [
            dataclasses.replace(
                read_form_dict(new), unplaced=form.unplaced, reading_notes=form.reading_notes
            )
            for form, new in zip(forms, apply_levels(data, self.choices), strict=True)
        ]
        return mapped, level_notes(applied_levels(data, self.choices), len(forms))

    def _collect(self, paths: list[Path]) -> tuple[list[Path], int]:
        files: list[Path] = []
        ignored = 0
        known = set(SUPPORTED_EXTENSIONS) | set(REFUSED_EXTENSIONS)
        for path in paths:
            if path.is_dir():
                for candidate in sorted(p for p in path.rglob("*") if p.is_file()):
                    if candidate.name.startswith(OFFICE_LOCK_PREFIX):
                        continue
                    if candidate.suffix.lower() in known:
                        files.append(candidate)
                    else:
                        ignored += 1
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"找不到文件或文件夹：{path}")
        return files, ignored

    def _import(self, path: Path, taxonomy, rules, *, dry_run: bool, verbosity: int) -> bool:
        try:
            forms = parse_file(path, taxonomy=taxonomy)
        except ImportFailure as failure:
            where = f"{failure.where}：" if failure.where else ""
            self.stderr.write(f"✗ {path}：{where}{failure.detail}")
            return False
        except Exception as exc:  # a bug of ours in reading a file must not stop the others
            logger.exception("import_forms: unexpected error while reading %s", path)
            self.stderr.write(f"✗ {path}：{UNEXPECTED}（{type(exc).__name__}）")
            return False
        forms, notes = self._mapped(forms)
        # Writing: a database error is not the file's fault and stops the command.
        states = ["更新" if existing_evaluation(form) else "新建" for form in forms]
        try:
            if dry_run:
                problem = rehearse(forms)
                if problem:
                    raise InterchangeError(problem)
            else:
                evaluations_import(forms=forms, notes=notes)
        except InterchangeError as exc:
            hint = (
                "；可用 --map 原名=指标体系中的名称 指定对应关系"
                if "不在指标体系中" in str(exc)
                else ""
            )
            self.stderr.write(f"✗ {path}：{exc}（整个文件未导入{hint}）")
            return False
        verb = "可以导入" if dry_run else "导入"
        self.stdout.write(f"✓ {path}：{verb} {len(forms)} 张自评表")
        for form, state in zip(forms, states, strict=True):
            result = score_form_data(form, rules)
            self.stdout.write(
                f"  · {state} {form.year}年度「{form.project_name}」（{form.department}）："
                f"总分 {score_str(result.total_score)}（{result.grade}），"
                f"错误 {len(result.errors)} 项，警告 {len(result.warnings)} 项，"
                f"提示 {len(result.hints)} 项"
            )
            # Never silent: every cell the reader did not import, and how it read what it did.
            if form.unplaced:
                self.stdout.write(f"    有 {len(form.unplaced)} 个单元格未导入：")
                for text in form.unplaced:
                    self.stdout.write(f"      - {text}")
            for note in form.reading_notes:
                self.stdout.write(f"    读取说明：{note}")
            if verbosity >= 2:
                for finding in result.findings:
                    label = SEVERITY_LABELS[finding.severity]
                    what = code_label(finding.code)
                    self.stdout.write(f"      [{label}] {what}：{finding.message}")
        return True


def _choices(written: list[str], taxonomy: TaxonomyMap) -> dict[tuple[str, str], str]:
    """--map values as {(一级, 二级 or ""): existing name}, each checked against the taxonomy."""
    choices: dict[tuple[str, str], str] = {}
    for text in written:
        source, equals, target = text.partition("=")
        level1, slash, level2 = source.strip().partition("/")
        level1, level2, target = level1.strip(), level2.strip(), target.strip()
        if not equals or not level1 or not target or (slash and not level2):
            raise CommandError(f"--map「{text}」应写作「原名=新名」或「一级/原二级=新二级」")
        if not slash and target not in taxonomy.level1_names():
            raise CommandError(
                f"--map「{text}」：指标体系中没有一级指标「{target}」"
                f"（现有：{'、'.join(taxonomy.level1_names())}）"
            )
        if slash:
            parent = choices.get((level1, ""), level1)
            if target not in taxonomy.level2_names(parent):
                options = "、".join(taxonomy.level2_names(parent)) or "无"
                raise CommandError(
                    f"--map「{text}」：一级指标「{parent}」下没有二级指标「{target}」（可选：{options}）"
                )
            level1 = parent  # the rows' 一级 once mapped: the key apply_levels looks up
        choices[(level1, level2)] = target
    return choices
