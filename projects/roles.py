"""The three roles (填报人, 审核人, 管理员), kept as Django groups."""

from enum import StrEnum


class Role(StrEnum):
    FILLER = "填报人"
    REVIEWER = "审核人"
    ADMIN = "管理员"
