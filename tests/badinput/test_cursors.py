"""A paging cursor that is too long, too large or made up is a 400 with a Chinese message
on every list, never a 500 (a 20-digit cursor overflowed the date arithmetic; an id past
what a database integer holds reached the driver)."""

from __future__ import annotations

import base64
import json

import pytest

BIG = "9" * 20
CURSORS = [
    f"{BIG}.1", f"-{BIG}.1", "1." + "9" * 12, "1." + "9" * 10, "1" * 5000, "1.1" * 2000,
    "１２.３", "1.-1", ".", "",
    # the packed form: a huge id, an impossible moment, a wrong length, not base32
    "aaaaaaaaaaaaaaaaa7777777774", "h7777777777777777777777777", "aaaa", "1" * 26, "é" * 26,
]


def api_cursor(value, item_id) -> str:
    raw = json.dumps([value, item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


API_CURSORS = [
    api_cursor("2026-01-01T00:00:00+00:00", 10**30), api_cursor(10**30, 1),
    api_cursor("2026-01-01T00:00:00+00:00", -1), api_cursor("0001-01-01T00:00:00+14:00", 1),
    "A" * 20000, api_cursor("2026-01-01T00:00:00+00:00", 2**31),
]
LISTS = ["/disclosures/", "/villages/shuangta-cun/", "/inquiries/replies"]
API_LISTS = ["/api/v1/disclosures", "/api/v1/village-notices", "/api/v1/replies",
             "/api/v1/consultations"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("name", ["after", "before"])
def test_page_cursors(client, orgs, path, name):
    for cursor in CURSORS:
        response = client.get(path, query_string={name: cursor})
        assert response.status_code in (200, 400), (path, name, cursor[:30])
        if response.status_code == 400:
            assert "翻页参数无效" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", API_LISTS)
def test_api_cursors(client, orgs, path):
    for cursor in API_CURSORS:
        response = client.get(path, query_string={"cursor": cursor})
        assert response.status_code == 400, (path, cursor[:30])
        assert "cursor" in response.get_json()["message"]

