"""The benchmark measures cached pages as a site that has been up serves them: every
path requested once before the warm-up, and any answer other than 200 there fails the
run."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/found" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_priming_requests_every_path_once_and_a_missing_one_fails_the_run(monkeypatch):
    """A measurement of cached pages first requests each path once; one that does not
    answer 200 there is a failure of the run, like one in the warm-up or measurement."""
    from bench import run

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    measured = []
    monkeypatch.setattr(run, "wrk", lambda port, paths, cookie="", duration=None, label="":
                        measured.append(label) or {"statuses": {}})
    monkeypatch.setattr(run, "FAILURES", [])
    try:
        port = server.server_address[1]
        result = run.measure(port, ["/found", "/missing", "/found"], label="large search",
                             primed=True)
        assert result["primed"] == 2
        assert run.FAILURES == ["large search（每个网址先各请求一次）：1 个网址没有答 200"]
        assert measured[-1] == "large search"  # still measured: the report shows the row
        assert "primed" not in run.measure(port, ["/missing"], label="large dashboard")
        assert run.FAILURES[1:] == []  # not primed: the path is not requested alone
    finally:
        server.shutdown()
        server.server_close()


def test_submissions_are_measured_in_turns_the_median_rate_and_every_loss_counted(
        monkeypatch):
    """One turn on a machine whose speed drifts decides nothing: the rate is the middle of
    the turns (each reported), and a work order missing in any turn is a loss."""
    from bench import client, run

    rates = iter([10.0, 150.0, 200.0, 160.0])  # the warm-up, then three turns
    stored = {}

    def submit(port, place, title, concurrency, duration):
        outcome = client.SubmitResult(accepted=int(next(rates)), seconds=1.0,
                                      latencies=[0.05], cpu_seconds=0.1)
        stored[title] = outcome.accepted - (1 if title.endswith("#3") else 0)
        return outcome

    monkeypatch.setattr(client, "submit_inquiries", submit)
    monkeypatch.setattr(run, "rows", lambda db, sql, title: [(stored[title],)])
    monkeypatch.setattr(run, "FAILURES", [])
    monkeypatch.setitem(run.SETTINGS, "submission_turns", 3)
    result = run.submissions(0, "db", "town01")
    assert result["turns"] == [150.0, 200.0, 160.0] and result["per_second"] == 160.0
    assert (result["accepted"], result["rows"], result["lost"]) == (510, 509, 1)
    assert run.FAILURES == []  # the warm-up stored what it was told
