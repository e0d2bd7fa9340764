"""The Open311 service discovery document (wiki.open311.org/Service_Discovery): every field
it requires — changeset, contact, key_service, and one endpoint with its specification, url,
changeset, type and formats (MIME types).

`changeset` changes when the service list or the service definitions do (the spec's
meaning): it is the date of the last such change in this code, so clients refresh their
cached lists then. `contact` also says that 依申请公开 is not taken here.
"""

from __future__ import annotations

from flask import current_app

from portal.open311.formats import CONTENT_TYPES
from portal.open311.mapping import INFO_REQUEST_NOTE

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-03T00:00:00+08:00"


def document(endpoint_url: str) -> dict:
    """The discovery document for the GeoReport v2 endpoint at `endpoint_url`."""
    config = current_app.config
    provider = config.get("SITE_SPONSOR") or config["SITE_NAME"]
    return {
        "changeset": CHANGESET,
        "contact": f"接口问题请联系{provider}。{INFO_REQUEST_NOTE}",
        "key_service": f"提交留言须使用接口密钥（api_key），由门户管理员签发，请向{provider}申请；"
                       "查询无需密钥。",
        "endpoints": [{
            "specification": SPECIFICATION, "url": endpoint_url, "changeset": CHANGESET,
            "type": "production",
            "formats": [CONTENT_TYPES[f].split(";")[0] for f in ("xml", "json")],
        }],
    }
