"""The indicator taxonomy (一级/二级) as data, not constants.

The 2020 standard is seeded by a migration; a region on the 2021 variant edits
these rows (in the admin) instead of the code.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class Level1(models.Model):
    name = models.CharField("一级指标", max_length=50, unique=True)
    position = models.PositiveSmallIntegerField("排序", default=0)
    default_weight = models.DecimalField(
        "默认分值",
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "一级指标"
        verbose_name_plural = "一级指标"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_weight__gte=0), name="level1_default_weight_gte_0"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Level2(models.Model):
    level1 = models.ForeignKey(
        Level1, on_delete=models.PROTECT, related_name="level2s", verbose_name="一级指标"
    )
    name = models.CharField("二级指标", max_length=50)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["level1__position", "position", "name"]
        verbose_name = "二级指标"
        verbose_name_plural = "二级指标"
        constraints = [
            models.UniqueConstraint(fields=["level1", "name"], name="level2_unique_name_per_level1")
        ]

    def __str__(self) -> str:
        return f"{self.level1.name} / {self.name}"
