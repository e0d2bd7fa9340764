"""The background worker: Huey runs the outbox delivery and the periodic jobs.

Storage: SQLite in the instance folder by default (`notify-queue.db`), so `make run` needs
nothing else; a county with several application servers sets PORTAL_NOTIFY_QUEUE_URL to
a Redis URL (redis://host:6379/0) so that one schedule serves them all. The outbox itself
is in the portal's database either way: the queue only says when to look.

Jobs (Beijing time): deliver due messages every minute; the deadline sweep every 5
minutes (case clocks, 舆情 milestones, 督办, 补正, reviews waiting, consultations closing,
the village posting schedule: `reminders`, `duties`); the daily digest of each person's
work queue at 08:30 on working days and the inspectors' weekly digest on Monday 08:00
(`digests`); the transparency log's signed head every hour (`transparency.heads.
sign_if_due`, next to the systemd timer if one runs); the open-data package, every minute
when public content has changed (`transfer.open_data`, on a thread of lower priority).
Each job runs in an application context.
"""

from __future__ import annotations

import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey, crontab

_app = None


def _storage():
    url = os.environ.get("PORTAL_NOTIFY_QUEUE_URL", "")
    if url.startswith("redis://"):
        return RedisHuey("portal-notify", url=url, utc=False)
    instance = os.environ.get("PORTAL_INSTANCE_PATH") or str(
        Path(__file__).resolve().parents[2] / "instance")
    Path(instance).mkdir(parents=True, exist_ok=True)
    return SqliteHuey("portal-notify", filename=str(Path(instance) / "notify-queue.db"),
                      utc=False)


huey = _storage()


def _context():
    global _app
    if _app is None:
        from portal import create_app

        _app = create_app()
    return _app.app_context()


@huey.periodic_task(crontab(minute="*"))
def deliver() -> int:
    from portal.notifications import outbox

    with _context():
        return outbox.deliver_due()


@huey.periodic_task(crontab(minute="*/5"))
def sweep() -> int:
    from portal.notifications import reminders

    with _context():
        return reminders.sweep()


@huey.periodic_task(crontab(minute="30", hour="8"))
def daily_digest() -> int:
    from portal.notifications import digests

    with _context():
        return digests.daily_digest()


@huey.periodic_task(crontab(minute="0", hour="8", day_of_week="1"))
def weekly_digest() -> int:
    from portal.notifications import digests

    with _context():
        return digests.weekly_digest()


@huey.periodic_task(crontab(minute="0"))
def transparency_head() -> bool:
    from portal.transparency import heads

    with _context():
        return heads.sign_if_due() is not None


@huey.periodic_task(crontab(minute="*"))
def open_data_package() -> bool:
    from portal.transfer import open_data

    return open_data.refresh_in_background(_context)
