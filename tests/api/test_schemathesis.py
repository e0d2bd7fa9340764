"""Schemathesis against /api/v1/ on a real gunicorn: requests generated from the OpenAPI
document — valid ones, invalid ones by the schema's own rules, methods it does not list —
must be answered as the document says (status, content type, headers, body), never with a
server error. Any failure fails the test with schemathesis' report.

Bounded and repeatable: a few examples per operation, a fixed seed and deterministic
generation, so a run takes well under a minute and finds the same things each time.

`cursor` is the one parameter no schema can describe (an opaque value the server issues),
so schemathesis is given real ones to send; what the server does with made-up cursors is
tested in test_api.py.
"""

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from portal.api.paging import encode_cursor
from portal.extensions import db
from portal.timeutil import LOCAL_TZ
from tests.live_server import live_server

MAX_EXAMPLES = 20
SECONDS = 300


@pytest.fixture
def server(database_url, tmp_path, corpus):
    db.session.rollback()  # a transaction held here would lock the workers out of SQLite
    env = {"PORTAL_RATELIMIT_API_READ": "100000 per minute"}
    with live_server(database_url, tmp_path, workers=2, env=env) as (port, _log):
        yield port


def _config() -> str:
    """schemathesis.toml: a cursor of each kind (a timestamp list's, the catalogue's)."""
    by_time = encode_cursor(datetime(2026, 1, 31, 8, tzinfo=LOCAL_TZ), 1)
    by_position = encode_cursor(1, 1)
    return (f'[parameters]\n"query.cursor" = "{by_time}"\n\n'
            f'[[operations]]\ninclude-path = "/catalogue"\n'
            f'parameters = {{ "query.cursor" = "{by_position}" }}\n')


def test_the_api_answers_as_its_document_says(server, tmp_path):
    (tmp_path / "schemathesis.toml").write_text(_config(), encoding="utf-8")
    schemathesis = Path(sys.executable).with_name("st")
    command = [str(schemathesis), "run", f"http://127.0.0.1:{server}/api/v1/openapi.json",
               "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", "311",
               "--generation-deterministic", "--workers", "1", "--no-color"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS,
                            cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
