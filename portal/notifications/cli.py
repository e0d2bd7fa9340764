"""`flask notify …`: run the worker, deliver or sweep once (cron, tests, by hand)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

notify_cli = AppGroup("notify", help="通知：后台 worker、立即发送、到期提醒扫描。")


@notify_cli.command("deliver")
@click.option("--once", is_flag=True, help="发送一轮到期的通知后退出。")
@click.option("--interval", default=5, show_default=True, help="轮询间隔（秒）。")
def deliver_command(once: bool, interval: int) -> None:
    """Deliver due messages from the outbox (once, or polling)."""
    from portal.notifications import outbox

    while True:
        sent = outbox.deliver_due()
        if once:
            click.echo(f"已发送 {sent} 条。")
            return
        time.sleep(interval)


@notify_cli.command("sweep")
def sweep_command() -> None:
    """Produce the due reminders and escalations now."""
    from portal.notifications import reminders

    click.echo(f"新增提醒 {reminders.sweep()} 条。")


@notify_cli.command("worker")
@click.option("--workers", default=2, show_default=True,
              help="并行执行任务的线程数（生成开放数据包时，另一个线程照常发送通知）。")
def worker_command(workers: int) -> None:
    """Run the Huey consumer: delivery every minute, the sweep every 5 minutes, the
    weekly digest on Mondays, the open-data package when public content changed. Two
    threads: a long package build never holds up delivery."""
    from huey.consumer import Consumer

    from portal.notifications.worker import huey

    Consumer(huey, workers=workers, worker_type="thread", check_worker_health=True).run()
