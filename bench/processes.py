"""The servers the benchmark starts (each in its own process group, on a loopback port)
and the memory of the portal's processes while it is measured."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from bench.settings import DATA, ROOT, SETTINGS


def _port_range() -> range | None:
    spec = os.environ.get("BENCH_PORTS", "").strip()
    if not spec:
        return None
    low, _, high = spec.partition("-")
    return range(int(low), int(high or low) + 1)


_next_port = 0


def free_port() -> int:
    """A loopback port nobody listens on: from BENCH_PORTS when set (in turn, so a server
    just stopped is not reused at once), else any the system gives."""
    global _next_port
    ports = _port_range()
    if ports is None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    for step in range(len(ports)):
        port = ports[(_next_port + step) % len(ports)]
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _next_port = (_next_port + step + 1) % len(ports)
        return port
    raise RuntimeError(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


def wait_ready(port: int, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not answer within {seconds} s")


@contextmanager
def serve(command: list[str], port: int, env: dict | None = None, log_name: str = "server",
          stop: signal.Signals = signal.SIGQUIT):
    """Start a server in its own process group; stop that group (and only it) afterwards,
    at once (gunicorn's SIGQUIT): requests still queued are dropped, not served."""
    with (DATA / f"{log_name}.log").open("ab") as errors:
        process = subprocess.Popen(command, cwd=ROOT, env=env or dict(os.environ),
                                   start_new_session=True, stdout=errors, stderr=errors)
    try:
        wait_ready(port, process)
        yield process
    finally:
        try:
            os.killpg(process.pid, stop)
        except ProcessLookupError:  # it had already exited (its log says why)
            return
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def gunicorn(app: str, port: int) -> list[str]:
    # No control socket: several gunicorns on one machine would share its default path.
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
            str(SETTINGS["workers"]), "--timeout", "120", "--no-control-socket", app]



def worker_memory(master: int) -> list[int]:
    """VmHWM (peak resident set, kB) of each child of the gunicorn master."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]))
    return sorted(peaks)


def _kb(path: Path, field: str) -> int:
    """A `Field:  123 kB` value from a /proc file, 0 when the process is gone."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler:
    """Samples, every half second while a measurement runs, the proportional set size
    (Pss: shared pages divided among the processes sharing them, so the sum is what the
    portal really takes) of the gunicorn master and each worker. Keeps each process's
    peak, and the peak of the sum over the master and its workers at one moment."""

    def __init__(self, master: int, every: float = 0.5) -> None:
        import threading

        self.master, self.every = master, every
        self.peak_pss: dict[int, int] = {}
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        pids = [self.master, *(int(line) for line in subprocess.run(
            ["pgrep", "-P", str(self.master)], capture_output=True, text=True
        ).stdout.split())]
        total = 0
        for pid in pids:
            pss = _kb(Path(f"/proc/{pid}/smaps_rollup"), "Pss")
            total += pss
            if pid != self.master:
                self.peak_pss[pid] = max(self.peak_pss.get(pid, 0), pss)
        self.peak_total = max(self.peak_total, total)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        """Stops sampling, before the server stops (use it inside `portal(...)`)."""
        self._stop.set()
        self._thread.join()
        self._sample()
        self._final = dict(
            pss_kb=sorted(self.peak_pss.values()), total_pss_kb=self.peak_total,
            master_pss_kb=_kb(Path(f"/proc/{self.master}/smaps_rollup"), "Pss"),
            rss_kb=worker_memory(self.master))

    def figures(self) -> dict:
        """Peak Pss per worker and of the whole portal, and peak RSS (VmHWM) per worker,
        in kB, as they stood when sampling stopped."""
        return self._final
