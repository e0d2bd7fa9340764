#!/usr/bin/env bash
# The wheel as a county's server gets it: built from this checkout, installed with its
# locked dependencies into a fresh virtualenv outside the checkout, then, from another
# directory, `flask db upgrade` on a new SQLite database, the demo data, gunicorn, and
# the home page and a static file fetched through it.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT="$PWD"
WORK="$(mktemp -d /tmp/portal-wheel.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
"$PY" -m pip install --quiet --require-hashes -r requirements/runtime.txt
"$PY" -m pip wheel --quiet --no-deps --no-build-isolation -w "$WORK/dist" .
rm -rf build portal.egg-info
"$PY" -m pip install --quiet --no-deps "$WORK"/dist/portal-*.whl
echo "wheel: $(basename "$WORK"/dist/portal-*.whl)"

mkdir -p "$WORK/elsewhere" "$WORK/data"
cd "$WORK/elsewhere"
unset PYTHONPATH
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export PORTAL_ENV=production
export PORTAL_SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
export PORTAL_DATABASE_URL="sqlite:///$WORK/data/portal.db"
export PORTAL_INSTANCE_PATH="$WORK/data/instance"
export PORTAL_BIND="127.0.0.1:$PORT" PORTAL_WORKERS=2
for name in $(env | grep -o '^PORTAL_TEST_[A-Z_]*' || true); do unset "$name"; done

"$PY" - "$WORK" "$CHECKOUT" <<'PYTHON'
import sys
from pathlib import Path

import portal

work, checkout = Path(sys.argv[1]), Path(sys.argv[2])
package = Path(portal.__file__).resolve().parent
assert package.is_relative_to(work / "venv"), f"portal imported from {package}"
for name in ("templates", "static", "migrations"):
    folder = portal.bundled(name)
    assert folder.is_relative_to(package) and any(folder.rglob("*")), f"{name}: {folder}"
assert (package / "demo" / "data").is_dir(), "demo data missing"
print(f"package: {package}")
PYTHON

"$WORK/venv/bin/flask" --app portal db upgrade 2> "$WORK/upgrade.log" || { cat "$WORK/upgrade.log"; exit 1; }
"$WORK/venv/bin/flask" --app portal demo-load > /dev/null
"$WORK/venv/bin/gunicorn" -c python:portal.gunicorn_conf 'portal:create_app()' \
  > "$WORK/access.log" 2> "$WORK/error.log" &
SERVER_PID=$!

"$PY" - "$PORT" <<'PYTHON' || { cat "$WORK/error.log"; exit 1; }
import json
import re
import sys
import time
import urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}"


def get(path: str):
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return response.status, response.headers, response.read()


deadline = time.monotonic() + 60
while True:
    try:
        status, _headers, body = get("/readyz")
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("gunicorn did not answer within 60 s")
        time.sleep(0.3)
assert status == 200 and json.loads(body)["status"] == "ok", body
status, _headers, body = get("/")
page = body.decode()
assert status == 200 and "双塔镇" in page, "home page without the demo data"
stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
status, headers, css = get(stylesheet)
assert status == 200 and len(css) > 1000 and "immutable" in headers["Cache-Control"], stylesheet
print(f"served: / ({len(body)} bytes), {stylesheet} ({len(css)} bytes)")
PYTHON
echo "wheel check passed"
