"""Cached public pages: never stale after a change, validators and 304, only anonymous."""

from __future__ import annotations

import time

from flask import after_this_request

from portal import create_app
from portal.auth.models import Role
from portal.disclosures import revisions, services
from portal.disclosures.models import Status
from portal.extensions import db
from portal.pagecache import version as content_version
from portal.villages import services as village_services


def run_last(app, hook):
    """Register an after_request hook that runs after the page cache's own (Flask runs
    them in reverse order of registration)."""
    app.after_request_funcs.setdefault(None, []).insert(0, hook)


def _etag_and_body(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response.headers["ETag"], response.get_data(as_text=True)


def test_withdrawn_document_disappears_from_cached_pages(client, published, staff):
    doc = published(title="第一批农村低保名单")
    for _ in range(2):  # the second visit is served from the cache
        assert "第一批农村低保名单" in client.get("/disclosures/").get_data(as_text=True)
        assert client.get(f"/disclosures/{doc.id}").status_code == 200
        assert "第一批农村低保名单" in client.get("/").get_data(as_text=True)
    services.withdraw(staff["reviewer"], doc.id, "名单有误")
    assert client.get(f"/disclosures/{doc.id}").status_code == 404
    assert "第一批农村低保名单" not in client.get("/disclosures/").get_data(as_text=True)
    assert "第一批农村低保名单" not in client.get("/").get_data(as_text=True)


def test_new_and_edited_documents_show_at_once(client, published, staff, draft_input):
    doc = published(title="旧标题")
    assert "旧标题" in client.get(f"/disclosures/{doc.id}").get_data(as_text=True)
    client.get("/disclosures/")
    services.update(staff["editor"], doc.id, draft_input(title="新标题"))
    assert "旧标题" in client.get(f"/disclosures/{doc.id}").get_data(as_text=True)
    revisions.approve(staff["reviewer"], doc.id)  # the edit is public once approved
    assert "新标题" in client.get(f"/disclosures/{doc.id}").get_data(as_text=True)
    published(title="又一份文件")
    listing = client.get("/disclosures/").get_data(as_text=True)
    assert "又一份文件" in listing and "新标题" in listing and "旧标题" not in listing


def test_withdrawn_village_notice_leaves_the_board(client, published_notice, village_staff):
    notice = published_notice(title="低保初审名单公示")
    board = "/villages/shuangta-cun/"
    page = f"/villages/shuangta-cun/notices/{notice.id}"
    for _ in range(2):
        assert "低保初审名单公示" in client.get(board).get_data(as_text=True)
        assert client.get(page).status_code == 200
    village_services.withdraw(village_staff["reviewer"], notice.id, "含个人信息")
    assert "低保初审名单公示" not in client.get(board).get_data(as_text=True)
    assert client.get(page).status_code == 404


def test_if_none_match_answers_304_until_the_page_changes(client, published):
    published(title="文件甲")
    etag, _ = _etag_and_body(client, "/disclosures/")
    again = client.get("/disclosures/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    published(title="文件乙")
    changed = client.get("/disclosures/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "文件乙" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_if_modified_since_answers_304_until_something_public_changes(client, published,
                                                                       staff, monkeypatch):
    doc = published(title="文件甲")
    clock = [time.time() + 60]  # past the seconds the publication's commits claimed
    monkeypatch.setattr(content_version, "now_epoch", lambda: clock[0])
    response = client.get(f"/disclosures/{doc.id}")
    since = response.headers["Last-Modified"]
    assert client.get(f"/disclosures/{doc.id}",
                      headers={"If-Modified-Since": since}).status_code == 304
    services.withdraw(staff["reviewer"], doc.id, "撤回")
    assert client.get(f"/disclosures/{doc.id}",
                      headers={"If-Modified-Since": since}).status_code == 404
    other = published(title="文件乙")  # within the same second: still a later date
    assert client.get(f"/disclosures/{other.id}",
                      headers={"If-Modified-Since": since}).status_code == 200
    assert client.get("/disclosures/", headers={"If-Modified-Since": since}).status_code == 200


def test_head_requests_get_the_same_validators(client, published):
    doc = published()
    etag, _ = _etag_and_body(client, f"/disclosures/{doc.id}")
    head = client.head(f"/disclosures/{doc.id}")
    assert head.status_code == 200 and head.headers["ETag"] == etag
    assert head.get_data() == b""


def test_cache_control_lets_a_proxy_store_only_with_revalidation(client, published):
    response = client.get("/disclosures/")
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in response.headers["Vary"]
    assert "Last-Modified" in response.headers


def _nginx_expiry(response) -> int:
    values = response.headers.get_all("X-Accel-Expires")
    assert len(values) == 1 and values[0].startswith("@"), values
    return int(values[0][1:])


def test_nginx_may_serve_a_public_page_for_less_than_a_second(client, published):
    """By default nginx keeps a page until the end of the clock second it was answered in
    (never the next one: a withdrawn document is gone through it within a second), then
    revalidates. Every answer carries it, fresh, cached or 304."""
    doc = published()
    path = f"/disclosures/{doc.id}"
    before = int(time.time())
    first, cached = client.get(path), client.get(path)
    revalidated = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    after = int(time.time())
    assert revalidated.status_code == 304
    for response in (first, cached, revalidated):
        assert before <= _nginx_expiry(response) <= after
    assert "X-Accel-Expires" not in client.get("/inquiries/new").headers  # a form


def test_with_no_proxy_seconds_nginx_stores_public_pages_as_already_stale(app_config,
                                                                           published):
    """PROXY_CACHE_SECONDS = 0: an expiry in the past, so nginx stores the page and
    revalidates it before every reuse."""
    path = f"/disclosures/{published().id}"
    revalidating = create_app(dict(app_config, PROXY_CACHE_SECONDS=0))
    browser = revalidating.test_client()
    with revalidating.app_context():
        first, cached = browser.get(path), browser.get(path)  # rendered, then stored
        revalidated = browser.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert revalidated.status_code == 304
        for response in (first, cached, revalidated, browser.get("/api/v1/disclosures")):
            assert response.headers.get_all("X-Accel-Expires") == ["@1"]
        db.engine.dispose()


def test_nothing_private_is_offered_to_nginx(client, orgs, make_user, login, published):
    published()
    assert client.get("/disclosures/").headers["X-Accel-Expires"].startswith("@")
    login(make_user("staff-reader", (Role.EDITOR, orgs["town"])))
    staff_view = client.get("/disclosures/")
    assert staff_view.headers["Cache-Control"] == "no-store"
    assert "X-Accel-Expires" not in staff_view.headers


def test_elderly_mode_pages_are_kept_apart(client, published):
    published()
    plain = client.get("/disclosures/").get_data(as_text=True)
    client.set_cookie("elderly", "1")
    large = client.get("/disclosures/").get_data(as_text=True)
    assert 'class="elderly' in large and 'class="elderly' not in plain
    client.delete_cookie("elderly")
    assert 'class="elderly' not in client.get("/disclosures/").get_data(as_text=True)


def test_signed_in_staff_never_get_a_cached_page(client, published, staff, login):
    published()
    anonymous = client.get("/disclosures/")
    assert "工作台" not in anonymous.get_data(as_text=True)
    login(staff["editor"])
    signed_in = client.get("/disclosures/")
    assert "工作台" in signed_in.get_data(as_text=True)
    assert "ETag" not in signed_in.headers
    assert "public" not in (signed_in.headers.get("Cache-Control") or "")


def test_a_pending_flash_message_is_shown_not_a_cached_page(client, published):
    published()
    client.get("/disclosures/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "您的意见已收到。")]
    page = client.get("/disclosures/")
    assert "您的意见已收到。" in page.get_data(as_text=True)
    assert "ETag" not in page.headers
    # The message is gone on the next visit, and that page may come from the cache.
    assert "您的意见已收到。" not in client.get("/disclosures/").get_data(as_text=True)


def test_a_response_marked_no_store_is_neither_kept_nor_relabelled(app, client, published):
    published(title="文件甲")

    @app.before_request
    def mark_no_store():
        @after_this_request
        def no_store(response):
            response.headers["Cache-Control"] = "no-store"
            return response

    first = client.get("/disclosures/")
    assert first.headers["Cache-Control"] == "no-store"
    assert "ETag" not in first.headers


def test_draft_changes_do_not_leak_into_public_pages(client, published, staff, draft_input):
    doc = published(title="已发布文件")
    client.get("/disclosures/")
    services.create_draft(staff["editor"], draft_input(title="尚未审核的草稿"))
    listing = client.get("/disclosures/").get_data(as_text=True)
    assert "已发布文件" in listing and "尚未审核的草稿" not in listing
    assert doc.status is Status.PUBLISHED


def test_search_results_follow_a_withdrawal(client, published, staff):
    doc = published(title="宅基地审批结果公示")
    for _ in range(2):
        assert f"/disclosures/{doc.id}" in client.get("/search?q=宅基地").get_data(as_text=True)
    services.withdraw(staff["reviewer"], doc.id, "撤回")
    assert f"/disclosures/{doc.id}" not in client.get("/search?q=宅基地").get_data(as_text=True)


def test_a_newly_published_reply_shows_on_the_cached_reply_list(client, answer):
    answer("村口路灯坏了", "村口路灯不亮。", "已安排维修。")
    for _ in range(2):
        assert "村口路灯坏了" in client.get("/inquiries/replies").get_data(as_text=True)
    answer("低保申请怎么办理", "想问问低保。", "请到村委会领取申请表。")
    replies = client.get("/inquiries/replies").get_data(as_text=True)
    assert "低保申请怎么办理" in replies
    assert "申请怎么办理" in client.get("/search?q=低保").get_data(as_text=True)


def test_a_stored_page_keeps_the_headers_the_application_gave_it(app, client, published):
    """Pages served before Flask runs replay the headers of the render (security headers
    added by other code, for instance), with validators of their own."""
    published(title="文件甲")

    def frame_policy(response):
        response.headers["X-Frame-Options"] = "DENY"
        return response

    run_last(app, frame_policy)

    first = client.get("/disclosures/")
    second = client.get("/disclosures/")
    assert second.get_data() == first.get_data()
    for response in (first, second):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Cache-Control"] == "public, no-cache"
    assert second.headers["ETag"] == first.headers["ETag"]
    assert int(second.headers["Content-Length"]) == len(first.get_data())
    head = client.head("/disclosures/")
    assert head.status_code == 200 and head.get_data() == b""


def test_a_page_given_a_cookie_by_a_later_hook_is_not_replayed(app, client, published):
    published(title="文件甲")

    def tag_visitor(response):
        response.set_cookie("visitor", "1")
        return response

    run_last(app, tag_visitor)

    client.get("/disclosures/")
    client.delete_cookie("visitor")
    again = client.get("/disclosures/")
    assert "visitor=1" in again.headers.get("Set-Cookie", "")
