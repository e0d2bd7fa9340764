"""The background worker: Huey runs the outbox delivery and the periodic jobs.

Storage: SQLite in the instance folder by default (`notify-queue.db`), so `make run` needs
nothing else; a county with several application servers sets PORTAL_NOTIFY_QUEUE_URL to
a Redis URL (redis://host:6379/0) so that one schedule serves them all. The outbox itself
is in the portal's database either way: the queue only says when to look.

Jobs: deliver due messages every minute; the deadline sweep every 5 minutes; the weekly
digest for inspectors on Monday 08:00 Beijing. Each job runs in an application context.
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


@huey.periodic_task(crontab(minute="0", hour="8", day_of_week="1"))
def weekly_digest() -> int:
    from portal.notifications import reminders

    with _context():
        return reminders.weekly_digest()
