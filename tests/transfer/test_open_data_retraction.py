"""/open-data/ on a site that publishes all day: a package built before a publication is
still offered (it only lacks the new record), while any change that takes back something
public (a withdrawal, an edit, a deletion) stops it from being offered until it is built
again."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from portal.attachments.models import StoredFile
from portal.disclosures import services as disclosures
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.organizations.models import Organization
from portal.pagecache.models import SINGLETON_ID, ContentVersion
from portal.transfer import open_data


@pytest.fixture
def app_config(app_config) -> dict:
    return {**app_config, "OPEN_DATA_INLINE_RECORDS": 0}  # built by the worker only


def _versions() -> tuple[int, int]:
    """(content version, version of the last retraction)."""
    db.session.expire_all()
    row = db.session.execute(select(ContentVersion.version, ContentVersion.retracted_version)
                             .where(ContentVersion.id == SINGLETON_ID)).one()
    return row.version, row.retracted_version


def _retracts(change) -> bool:
    """Whether `change()` moved public content, and took something back."""
    before = _versions()
    change()
    after = _versions()
    assert after[0] > before[0], "the change did not move public content at all"
    return after[1] != before[1]


def _downloaded(client) -> dict[str, bytes]:
    files = {}
    for line in client.get("/open-data/SHA256SUMS").get_data(as_text=True).splitlines():
        digest, name = line.split("  ")
        response = client.get(f"/open-data/{name}")
        assert response.status_code == 200, name
        files[name] = response.data
        assert hashlib.sha256(files[name]).hexdigest() == digest, name
    return files


def test_a_publication_leaves_the_last_package_offered_saying_what_it_lacks(
        app, client, published):
    first = published(title="第一批危房改造补助名单")
    assert open_data.refresh_in_background(app.app_context)

    published(title="第二批危房改造补助名单")
    page = client.get("/open-data/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "此后新公开的信息正在加入数据文件" in html and "disclosures.json" in html
    titles = [d["title"] for d in json.loads(_downloaded(client)["disclosures.json"])]
    assert titles == [first.title]

    assert open_data.refresh_in_background(app.app_context)
    page = client.get("/open-data/")
    assert "正在加入" not in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] != "no-store"
    titles = {d["title"] for d in json.loads(_downloaded(client)["disclosures.json"])}
    assert titles == {"第一批危房改造补助名单", "第二批危房改造补助名单"}


@pytest.mark.parametrize("change", ["withdraw", "edit", "rename the publisher"])
def test_taking_back_anything_public_stops_the_older_package(app, client, published, staff,
                                                             orgs, change):
    doc = published(title="第三批危房改造补助名单")
    assert open_data.refresh_in_background(app.app_context)
    published(title="第四批危房改造补助名单")  # only adds: the package stays offered
    assert "disclosures.json" in client.get("/open-data/").get_data(as_text=True)

    if change == "withdraw":
        disclosures.withdraw(staff["reviewer"], doc.id, "名单有误")
    elif change == "edit":
        db.session.get(type(doc), doc.id).title = "第三批危房改造补助名单（更正）"
        db.session.commit()
    else:
        db.session.get(Organization, orgs["town"].id).formal_name = "双塔镇人民政府（新）"
        db.session.commit()
    page = client.get("/open-data/")
    assert "正在按最新的公开内容重新生成" in page.get_data(as_text=True)
    assert client.get("/open-data/disclosures.json").status_code == 503


def test_what_only_adds_and_what_takes_back(published, staff, published_notice,
                                           village_staff, answer):
    assert not _retracts(lambda: published(title="新发布的通知"))
    notice = published_notice()
    assert not _retracts(lambda: published_notice(title="三月份村级财务收支公开"))

    def withdraw_notice():
        from portal.villages import services as villages

        villages.withdraw(village_staff["reviewer"], notice.id, "数据有误")

    assert _retracts(withdraw_notice)

    replied = []
    assert not _retracts(lambda: replied.append(answer("路灯坏了", "村口路灯不亮", "已修复")))

    def unpublish_reply():
        db.session.get(Inquiry, replied[0].id).reply_published = False
        db.session.commit()

    assert _retracts(unpublish_reply)

    old = published(title="旧的实施办法")  # superseded by the next: its page changes
    assert _retracts(lambda: published(title="新的实施办法", supersedes_index=old.index_number))


def test_a_file_cleared_only_adds_a_file_flagged_takes_back(orgs):
    stored = StoredFile(storage_name="retraction-test", display_name="名单.pdf", kind="pdf",
                        content_type="application/pdf", size=3, sha256="0" * 64,
                        privacy_state="unchecked")
    db.session.add(stored)
    db.session.commit()

    def set_state(state):
        def change():
            db.session.get(StoredFile, stored.id).privacy_state = state
            db.session.commit()
        return change

    assert not _retracts(set_state("clean"))
    assert _retracts(set_state("found"))


def test_a_package_numbered_past_the_current_version_is_never_offered(app, client, published):
    """A folder from another history of the database (restored by hand, not by `flask
    restore`, which clears them) may hold anything: it is not offered."""
    published(title="第五批危房改造补助名单")
    assert open_data.refresh_in_background(app.app_context)
    [folder] = _package_folders(app)
    version, _, changed = folder.name[1:].partition("-")
    folder.rename(folder.with_name(f"v{int(version) + 5}-{changed}"))
    assert "正在按最新的公开内容重新生成" in client.get("/open-data/").get_data(as_text=True)


def _package_folders(app):
    with app.app_context():
        from portal.pagecache import instance_folder

        return [p for p in instance_folder(app, open_data.FOLDER).glob("v*") if p.is_dir()]
