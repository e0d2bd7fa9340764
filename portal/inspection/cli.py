"""`flask inspection figures rebuild|check`: the dashboard's totals kept on write."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.timeutil import to_local, utcnow

inspection_cli = AppGroup("inspection", help="纪检监督统计。")
figures_cli = AppGroup("figures", help="留言办理时效统计（写入时维护的汇总）。")
inspection_cli.add_command(figures_cli)


@figures_cli.command("rebuild")
def rebuild_command() -> None:
    """由全部留言重新计算每件的统计数据和各单位的汇总（升级后、批量导入后运行）。"""
    from portal.inspection import figures

    total = db.session.scalar(select(func.count()).select_from(Inquiry)) or 0
    started = time.monotonic()
    with click.progressbar(length=total, label="重新计算", show_pos=True) as bar:
        done = figures.rebuild(on_progress=bar.update)
    db.session.commit()
    click.echo(f"完成：{done} 件留言，用时 {time.monotonic() - started:.0f} 秒。")


@figures_cli.command("check")
def check_command() -> None:
    """逐年核对汇总、在办工单按时限的计数与由留言重新计算的结果（全县范围）；不一致时退出码 1。"""
    from portal.inspection import dashboard, figures, open_counts
    from portal.organizations.models import Organization

    if not figures.is_built(db.session.connection()):
        raise click.ClickException("汇总尚未建立，请先运行 flask inspection figures rebuild。")
    roots = db.session.scalars(select(Organization.path).where(
        Organization.parent_id.is_(None))).all()
    bounds = db.session.execute(select(func.min(Inquiry.received_at),
                                       func.max(Inquiry.received_at))).one()
    if bounds[0] is None:
        click.echo("没有留言。")
        return
    now, wrong = utcnow(), []
    for year in range(to_local(bounds[0]).year, to_local(bounds[1]).year + 1):
        kept = dashboard.compute(list(roots), year, now)[0]
        fresh = dashboard.reference(list(roots), year, now)[0]
        same = dashboard.same_figures(kept, fresh)
        click.echo(f"{year}：{'一致' if same else '不一致'}")
        if not same:
            wrong.append(f"{year} 年的汇总")
        live = dashboard.live_clock_counts(list(roots), year, now)
        if live != dashboard.kept_clock_counts(list(roots), year, now):
            click.echo(f"{year}：此刻超期、即将到期的件数不一致")
            wrong.append(f"{year} 年此刻超期、即将到期的件数")
    differences = open_counts.differences()
    click.echo("在办工单按时限计数：" + ("一致" if not differences else
                                         f"{len(differences)} 处不一致"))
    for line in differences[:20]:
        click.echo(f"  {line}")
    if differences:
        wrong.append("在办工单按时限计数")
    if wrong:
        raise click.ClickException(f"{'、'.join(map(str, wrong))}与重新计算不一致，"
                                   "请运行 flask inspection figures rebuild。")
