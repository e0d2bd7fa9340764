"""Column types shared by the models."""

import enum

from sqlalchemy import Enum


def str_enum(kind: type[enum.StrEnum], length: int = 20) -> Enum:
    """A VARCHAR holding the enum's *values* ("published"), readable in SQL and exports."""
    return Enum(kind, native_enum=False, length=length,
                values_callable=lambda members: [member.value for member in members])
