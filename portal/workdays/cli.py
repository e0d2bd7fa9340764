"""`flask workdays …`: working-day arithmetic on the current calendar (with overrides).

Output is meant for scripts: an ISO date, then a word, then ` provisional` when the
answer counted a day of a year whose holidays are not yet final.
"""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from portal.workdays.calendar import current_calendar, working_deadline

workdays_cli = AppGroup("workdays", help="工作日计算（含管理员录入的调休）。")


class IsoDate(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"“{value}”不是有效的日期，请按 YYYY-MM-DD 格式填写，例如 2026-09-30。",
                      param, ctx)


class WorkingDayCount(click.ParamType):
    name = "N"

    def convert(self, value, param, ctx) -> int:
        try:
            count = int(value)
        except ValueError:
            self.fail(f"“{value}”不是整数。", param, ctx)
        if count < 0:
            self.fail(f"工作日数不能为负数：{count}。", param, ctx)
        return count


@workdays_cli.command("add")
@click.argument("start", type=IsoDate())
@click.argument("n", type=WorkingDayCount())
def add_command(start: date, n: int) -> None:
    """打印 START 之后第 N 个工作日（START 当日不计入）。"""
    deadline = working_deadline(start, n)
    click.echo(deadline.due.isoformat() + (" provisional" if deadline.provisional else ""))


@workdays_cli.command("is-working")
@click.argument("day", type=IsoDate())
def is_working_command(day: date) -> None:
    """打印 DAY 是工作日（working）还是休息日（holiday）。"""
    calendar = current_calendar()
    words = [day.isoformat(), "working" if calendar.is_working_day(day) else "holiday"]
    if calendar.is_provisional(day):
        words.append("provisional")
    click.echo(" ".join(words))
