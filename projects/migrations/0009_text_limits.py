"""输入限制 (docs/deploy.md): text fields held to their limits, in forms and in the database.

The TextFields get a ``max_length`` (forms, ``full_clean``) and every model with typed
text one CheckConstraint on ``Length`` (SQLite does not enforce ``varchar(n)``). Adding
a constraint fails on a row that is already longer, so ``refuse_overlong`` lists such
rows first, with what to shorten; nothing is cut.
"""

import django.core.validators
import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Length

# (model, fields and limits) as in projects.models on the day of this migration.
LIMITS = {
    "Department": {"name": 100},
    "Project": {"name": 200},
    "Evaluation": {
        "project_lead": 50,
        "contact_phone": 50,
        "goal_expected": 10000,
        "goal_actual": 10000,
        "amount_unit_note": 5000,
        "review_comment": 5000,
    },
    "ReportingYear": {"note": 200},
    "Indicator": {
        "name": 500,
        "target": 1000,
        "actual": 1000,
        "override_reason": 5000,
        "deviation_reason": 5000,
        "review_comment": 5000,
    },
    "EvaluationEvent": {"comment": 5000},
}
SHOWN = 20


def refuse_overlong(apps, schema_editor):
    found = []
    for model_name, limits in LIMITS.items():
        model = apps.get_model("projects", model_name)
        for field, limit in limits.items():
            rows = (
                model.objects.annotate(text_length=Length(field))
                .filter(text_length__gt=limit)
                .values_list("pk", "text_length")
            )
            found += [f"{model_name} #{pk} {field}: {n} > {limit}" for pk, n in rows[:SHOWN]]
    if found:
        raise RuntimeError(
            "Some stored texts are longer than the new limits (docs/deploy.md 输入限制); "
            "shorten them (form page or /admin/) and migrate again:\n" + "\n".join(found)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0002_seed_taxonomy_2020"),
        ("projects", "0008_summary_result_details"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(refuse_overlong, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="evaluation",
            name="amount_unit_note",
            field=models.TextField(
                blank=True,
                max_length=5000,
                validators=[django.core.validators.MaxLengthValidator(5000)],
                verbose_name="金额换算说明",
            ),
        ),
        migrations.AlterField(
            model_name="evaluation",
            name="goal_actual",
            field=models.TextField(
                blank=True,
                max_length=10000,
                validators=[django.core.validators.MaxLengthValidator(10000)],
                verbose_name="年度总体目标·实际完成情况",
            ),
        ),
        migrations.AlterField(
            model_name="evaluation",
            name="goal_expected",
            field=models.TextField(
                blank=True,
                max_length=10000,
                validators=[django.core.validators.MaxLengthValidator(10000)],
                verbose_name="年度总体目标·预期目标",
            ),
        ),
        migrations.AlterField(
            model_name="evaluation",
            name="review_comment",
            field=models.TextField(
                blank=True,
                max_length=5000,
                validators=[django.core.validators.MaxLengthValidator(5000)],
                verbose_name="审核意见（整表）",
            ),
        ),
        migrations.AlterField(
            model_name="evaluationevent",
            name="comment",
            field=models.TextField(
                blank=True,
                max_length=5000,
                validators=[django.core.validators.MaxLengthValidator(5000)],
                verbose_name="说明",
            ),
        ),
        migrations.AlterField(
            model_name="indicator",
            name="deviation_reason",
            field=models.TextField(
                blank=True,
                max_length=5000,
                validators=[django.core.validators.MaxLengthValidator(5000)],
                verbose_name="偏差原因分析及改进措施",
            ),
        ),
        migrations.AlterField(
            model_name="indicator",
            name="override_reason",
            field=models.TextField(
                blank=True,
                max_length=5000,
                validators=[django.core.validators.MaxLengthValidator(5000)],
                verbose_name="调整得分理由",
            ),
        ),
        migrations.AlterField(
            model_name="indicator",
            name="review_comment",
            field=models.TextField(
                blank=True,
                max_length=5000,
                validators=[django.core.validators.MaxLengthValidator(5000)],
                verbose_name="审核意见",
            ),
        ),
        migrations.AddConstraint(
            model_name="department",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("name"), 100
                    )
                ),
                name="department_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="evaluation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("project_lead"), 50
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("contact_phone"), 50
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("goal_expected"), 10000
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("goal_actual"), 10000
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("amount_unit_note"), 5000
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("review_comment"), 5000
                    ),
                ),
                name="evaluation_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="evaluationevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("comment"), 5000
                    )
                ),
                name="event_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicator",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("name"), 500
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("target"), 1000
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("actual"), 1000
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("override_reason"), 5000
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("deviation_reason"), 5000
                    ),
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("review_comment"), 5000
                    ),
                ),
                name="indicator_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("name"), 200
                    )
                ),
                name="project_text_lengths",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportingyear",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.LessThanOrEqual(
                        django.db.models.functions.text.Length("note"), 200
                    )
                ),
                name="reporting_year_text_lengths",
            ),
        ),
    ]
