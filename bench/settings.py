"""What every part of the benchmark shares: where its files are, its settings (read from
the environment; bench/run.py lists them) and its log line."""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
LUA = ROOT / "bench" / "paths.lua"
PASSWORD = "Bench-Seed-2026!"
CORES = os.cpu_count() or 1
SETTINGS = dict(
    sizes=os.environ.get("BENCH_SIZES", "medium large").split(),
    duration=int(os.environ.get("BENCH_DURATION", "10")),
    warmup=int(os.environ.get("BENCH_WARMUP", "3")),
    connections=int(os.environ.get("BENCH_CONNECTIONS", "64")),
    workers=int(os.environ.get("BENCH_WORKERS", str(2 * CORES + 1))),
    databases=os.environ.get("BENCH_DATABASES", "sqlite postgresql").split(),
    submitters=int(os.environ.get("BENCH_SUBMITTERS", "16")),
    submission_turns=max(1, int(os.environ.get("BENCH_SUBMISSION_TURNS", "3"))),
    wrk_threads=max(1, min(CORES, 4)),
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


SECRET_KEY = "bench-secret"
