"""A worker killed with SIGKILL in the middle of an SMTP delivery loses nothing: the row
stays claimed until its lease runs out, then goes again with the same Message-ID, so the
one duplicate the at-least-once decision allows is recognisable (portal/notifications/
outbox.py). While the lease holds, no other worker sends it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

from portal.extensions import db
from portal.notifications import outbox
from portal.notifications.models import Channel, Notification, State
from portal.timeutil import utcnow


def _worker_environment(app, smtp_port: int, tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_ENV="development", PORTAL_INSTANCE_PATH=str(tmp_path / "instance"),
               PORTAL_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               PORTAL_NOTIFY_SMTP_HOST="127.0.0.1", PORTAL_NOTIFY_SMTP_PORT=str(smtp_port),
               PORTAL_NOTIFY_SMTP_TIMEOUT_SECONDS="60")
    return env


def test_sigkill_mid_delivery_loses_nothing_and_the_resend_is_recognisable(
        app, handlers, smtp_server, tmp_path):
    row = outbox.enqueue("test", channel=Channel.EMAIL, address="wang@example.cn")
    db.session.flush()
    row_id = row.id
    db.session.commit()
    db.session.close()  # the worker needs the SQLite write lock
    smtp_server.hold = threading.Event()  # the server has the message, not yet answered
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal", "notify", "deliver", "--once"],
        env=_worker_environment(app, smtp_server.port, tmp_path), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert smtp_server.arrived.wait(60), worker.communicate(timeout=5)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
    finally:
        smtp_server.hold.set()
    assert worker.returncode == -signal.SIGKILL
    db.session.expire_all()
    claimed = db.session.get(Notification, row_id)
    assert claimed.state is State.SENDING and claimed.attempts == 1

    assert outbox.deliver_due(now=utcnow()) == 0  # the lease still holds: nothing twice
    later = utcnow() + timedelta(seconds=app.config["NOTIFY_LEASE_SECONDS"] + 1)
    assert outbox.deliver_due(now=later) == 1
    db.session.expire_all()
    done = db.session.get(Notification, row_id)
    assert done.state is State.SENT and done.attempts == 2
    ids = [message["Message-ID"] for message in smtp_server.messages]
    assert ids == [f"<notification-{row_id}@portal.invalid>"] * 2
    assert outbox.deliver_due(now=later + timedelta(hours=1)) == 0
