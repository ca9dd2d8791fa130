"""Seed the 2020 standard taxonomy (财预〔2020〕10号) with its default weights."""

from decimal import Decimal

from django.db import migrations

TAXONOMY_2020 = [
    ("产出指标", Decimal("50"), ["数量指标", "质量指标", "时效指标", "成本指标"]),
    ("效益指标", Decimal("30"), ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"]),
    ("满意度指标", Decimal("10"), ["服务对象满意度指标"]),
]


def seed(apps, schema_editor):
    Level1 = apps.get_model("indicators", "Level1")
    Level2 = apps.get_model("indicators", "Level2")
    for position, (name, weight, level2_names) in enumerate(TAXONOMY_2020, start=1):
        level1, _ = Level1.objects.get_or_create(
            name=name, defaults={"position": position, "default_weight": weight}
        )
        for sub_position, level2_name in enumerate(level2_names, start=1):
            Level2.objects.get_or_create(
                level1=level1, name=level2_name, defaults={"position": sub_position}
            )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
