"""Every route in the URL map, for every method it takes, fed the bad-input corpus in its
query string, its form body, a JSON body and its URL parameters, signed in as a role that
may use it.

A route added later is covered without touching this file. Whatever comes in, the answer is
never a server error, a refusal carries a Chinese message, and nothing sent is reflected as
markup a browser would run.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from flask import url_for
from wtforms.fields.core import UnboundField

from portal.forms import ChineseForm
from tests.badinput.corpus import (
    HUGE_NUMBER,
    INVALID_UTF8,
    ODD_DIGITS,
    TEXT_PAYLOADS,
    has_chinese,
    runnable_markup,
)

# Query parameters the portal reads somewhere (grep request.args), for the raw-bytes test.
QUERY_NAMES = ["q", "page", "year", "month", "org", "organization", "organization_id",
               "handler_id", "village", "category", "type", "status", "sort", "queue", "cursor",
               "limit", "since", "parent", "next", "on", "expect_head", "service_request_id",
               "start", "days", "code", "before", "state"]
# Form fields that are not declared on a ChineseForm (Open311's GeoReport names).
EXTRA_FIELDS = ["api_key", "service_code", "description", "address_string", "first_name",
                "last_name", "phone", "email", "lat", "long", "jurisdiction_id",
                "organization_id", "number", "code"]


def _form_classes(cls=ChineseForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from _form_classes(sub)


def form_field_names() -> list[str]:
    """Every field name of every form in the portal, so each view finds its own fields."""
    names = set(EXTRA_FIELDS)
    for form in _form_classes():
        for klass in form.__mro__:
            names |= {name for name, value in vars(klass).items()
                      if isinstance(value, UnboundField)}
    return sorted(names)


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


def _check(response, what: str, failures: list[str]) -> None:
    status = response.status_code
    body = response.get_data().decode("utf-8", "replace")  # a favicon is not text
    if response.is_json:  # JSON escapes Chinese as \uXXXX
        body = json.dumps(response.get_json(silent=True), ensure_ascii=False)
    if status >= 500:
        failures.append(f"{what} → {status}")
    elif status >= 400 and not has_chinese(body):
        failures.append(f"{what} → {status} without a Chinese message")
    elif response.mimetype == "text/html" and (found := runnable_markup(body)):
        failures.append(f"{what} → {status} reflects {found[:3]}")


def _url(app, rule, values) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


QUERY_PAYLOADS = {
    "xss_sql": TEXT_PAYLOADS["xss"] + TEXT_PAYLOADS["sql"],
    "control_bidi": TEXT_PAYLOADS["control"] + TEXT_PAYLOADS["bidi"],
    **{name: TEXT_PAYLOADS[name] for name in ("long", "huge_number", "many_digits",
                                              "odd_digits")},
}


def test_query_strings(app, client_for, url_values, names_read):
    """Every GET route: each parameter it reads holds each payload in turn."""
    failures: list[str] = []
    for rule, method in _routes(app):
        if method != "GET":
            continue
        url = _url(app, rule, url_values(rule))
        client = client_for(rule.endpoint)
        for name in sorted(names_read(lambda: client.get(url)) | {"q"}):  # noqa: B023
            for payload, value in QUERY_PAYLOADS.items():
                response = client.get(f"{url}?{name}={quote(value)}")
                _check(response, f"GET {url}?{name}={payload}", failures)
    assert not failures, "\n".join(failures)


def test_raw_bytes_in_query_strings(app, client_for, url_values):
    """Bytes that are not UTF-8, sent raw (not %-escaped) and %-escaped."""
    raw = INVALID_UTF8.decode("latin-1")
    escaped = quote(INVALID_UTF8)
    failures: list[str] = []
    for rule, method in _routes(app):
        if method != "GET":
            continue
        url = _url(app, rule, url_values(rule))
        client = client_for(rule.endpoint)
        for query in ("&".join(f"{name}={raw}" for name in QUERY_NAMES),
                      "&".join(f"{name}={escaped}" for name in QUERY_NAMES)):
            response = client.get(url, environ_overrides={"QUERY_STRING": query})
            _check(response, f"GET {url}?<invalid UTF-8>", failures)
    assert not failures, "\n".join(failures)


def test_form_bodies(app, client_for, url_values, names_read):
    """Every POST route, every payload in every field it reads (and every field name of
    every form in the portal, in case a view reads a field only once others are valid)."""
    names = set(form_field_names())
    failures: list[str] = []
    for rule, method in _routes(app):
        if method != "POST":
            continue
        url = _url(app, rule, url_values(rule))
        client = client_for(rule.endpoint)
        # Flask-WTF reads no field from an empty form: send one unrelated field.
        read = names_read(lambda: client.post(url, data={"probe": "1"}))  # noqa: B023
        for payload, value in TEXT_PAYLOADS.items():
            # Ten thousand characters in a hundred fields is a 3 MB body: only where read.
            data = dict.fromkeys(read if payload == "long" else names | read, value)
            _check(client.post(url, data=data), f"POST {url} <fields>={payload}", failures)
    assert not failures, "\n".join(failures)


def test_invalid_utf8_in_form_and_json_bodies(app, client_for, url_values):
    names = form_field_names()
    form_body = b"&".join(name.encode() + b"=" + INVALID_UTF8 for name in names)
    escaped_body = "&".join(f"{name}={quote(INVALID_UTF8)}" for name in names).encode()
    json_body = b"{" + b",".join(b'"' + name.encode() + b'": "' + INVALID_UTF8 + b'"'
                                 for name in names) + b"}"
    failures: list[str] = []
    for rule, method in _routes(app):
        if method != "POST":
            continue
        url = _url(app, rule, url_values(rule))
        client = client_for(rule.endpoint)
        for kind, body, mimetype in (
                ("raw form", form_body, "application/x-www-form-urlencoded"),
                ("escaped form", escaped_body, "application/x-www-form-urlencoded"),
                ("multipart", None, None),
                ("json", json_body, "application/json")):
            if body is None:
                response = client.post(url, data={name: INVALID_UTF8.decode("latin-1")
                                                  for name in names},
                                       content_type="multipart/form-data")
            else:
                response = client.post(url, data=body, content_type=mimetype)
            _check(response, f"POST {url} <invalid UTF-8 {kind}>", failures)
    assert not failures, "\n".join(failures)


def test_json_bodies(app, client_for, url_values):
    """Machine clients post JSON; nothing in the portal takes it, so nothing may break."""
    body = json.dumps(dict.fromkeys(form_field_names(), TEXT_PAYLOADS["xss"]))
    failures: list[str] = []
    for rule, method in _routes(app):
        if method != "POST":
            continue
        url = _url(app, rule, url_values(rule))
        response = client_for(rule.endpoint).post(url, data=body, content_type="application/json")
        _check(response, f"POST {url} <json>", failures)
    assert not failures, "\n".join(failures)


def test_url_parameters(app, client_for, url_values):
    """Numbers past any column, odd digits, NUL and traversal in the path itself."""
    failures: list[str] = []
    for rule, method in _routes(app):
        samples = url_values(rule)
        url = _url(app, rule, samples)
        for name in rule.arguments:
            target = quote(str(samples[name]), safe="/")
            for value in (HUGE_NUMBER, ODD_DIGITS, "%00", "..%2F..%2Fetc%2Fpasswd"):
                bad = url.replace(target, value, 1)
                if bad != url:
                    response = client_for(rule.endpoint).open(bad, method=method)
                    _check(response, f"{method} {bad}", failures)
    assert not failures, "\n".join(failures)
