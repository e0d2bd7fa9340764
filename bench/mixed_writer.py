"""The writing side of the benchmark's mixed workload: once a second, in turn, a
publication, a withdrawal and a published reply, each through the portal's own services
(as staff would make them), on the database the served portal uses.

    python -m bench.mixed_writer SECONDS PORT WITHDRAW_IDS_FILE RESULT_FILE

It creates RESULT_FILE.ready once loaded, then writes for SECONDS.

(PORTAL_* settings from the environment, as for the served portal.) Before withdrawing a
document the writer asks the server for its page ten times, so the workers hold it;
after the withdrawal commits it asks ten times more, and every answer must be 404: any
other is counted as a withdrawn document served.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

ASKS = 10


def _status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"User-Agent": "portal-bench-writer"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def run(seconds: int, port: int, withdraw_ids: list[int], ready: Path) -> dict:
    from sqlalchemy import select

    from portal import create_app
    from portal.auth.models import User
    from portal.disclosures import services
    from portal.disclosures.models import Category
    from portal.extensions import db
    from portal.inquiries import workflow
    from portal.inquiries.models import Inquiry, InquiryType
    from portal.organizations.models import Organization
    from portal.timeutil import local_today

    app = create_app()
    done = {"publish": 0, "withdraw": 0, "reply": 0}
    failed: list[str] = []
    served_after_withdrawal = 0
    checked_after_withdrawal = 0
    with app.app_context():
        user = {name: db.session.scalar(select(User).where(User.username == name))
                for name in ("editor", "reviewer", "handler")}
        county = db.session.scalar(select(Organization).where(Organization.kind == "county"))
        replies = list(db.session.scalars(
            select(Inquiry.id).where(Inquiry.status == "processing",
                                     Inquiry.consent_publish.is_(True),
                                     Inquiry.type != InquiryType.INFO_REQUEST).limit(500)))
        categories = list(Category)
        from portal.search.tokens import preload

        preload()  # jieba's dictionary, as the served portal's master loads it: not timed
        ready.touch()
        started = time.monotonic()
        step = 0
        while time.monotonic() - started < seconds:
            due = started + step
            if time.monotonic() < due:
                time.sleep(due - time.monotonic())
            action = ("publish", "withdraw", "reply")[step % 3]
            try:
                if action == "publish":
                    draft = services.create_draft(user["editor"], services.DisclosureInput(
                        organization=county, category=categories[step % len(categories)],
                        title=f"压测发布 {step} 号：村级道路养护情况",
                        body_html="<p>村级道路养护资金使用情况。</p>",
                        formed_on=local_today() - timedelta(days=1),
                        doc_number=f"压测〔2026〕{step}号", keywords="道路 养护"))
                    services.submit(user["editor"], draft.id)
                    services.approve(user["reviewer"], draft.id)
                    services.publish(user["editor"], draft.id)
                elif action == "withdraw":
                    doc_id = withdraw_ids.pop()
                    path = f"/disclosures/{doc_id}"
                    for _ in range(ASKS):
                        _status(port, path)
                    services.withdraw(user["reviewer"], doc_id, "压测撤回")
                    for _ in range(ASKS):
                        checked_after_withdrawal += 1
                        served_after_withdrawal += _status(port, path) != 404
                else:
                    workflow.reply(user["handler"], replies.pop(), "已转交乡镇核实处理，感谢监督。",
                                   publish=True)
                done[action] += 1
            except Exception as error:  # counted and reported, never hidden
                db.session.rollback()
                failed.append(f"{action}: {type(error).__name__}: {error}"[:200])
            step += 1
    return dict(done=done, failed=failed, served_after_withdrawal=served_after_withdrawal,
                checked_after_withdrawal=checked_after_withdrawal)


def main() -> int:
    seconds, port, ids_file, result_file = sys.argv[1:5]
    ids = [int(line) for line in Path(ids_file).read_text().split()]
    result = run(int(seconds), int(port), ids, Path(result_file + ".ready"))
    Path(result_file).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
