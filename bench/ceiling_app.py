"""The framework ceiling: a Flask app whose one view returns the portal home page's bytes,
served by the same gunicorn settings as the portal (`gunicorn bench.ceiling_app:app`).
No database, no templates, no sessions: what Flask and gunicorn alone can do."""

import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)
HOME = Path(os.environ["BENCH_HOME_FILE"]).read_bytes()


@app.get("/")
def home() -> Response:
    return Response(HOME, content_type="text/html; charset=utf-8")
