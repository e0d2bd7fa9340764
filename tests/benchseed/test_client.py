"""The benchmark's browser speaks HTTP/1.1 over a plain socket: it must still read what a
server sends (both body framings), keep the cookies it is given, send the form, and count
an answer cut short as an error rather than as a page."""

from __future__ import annotations

import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import client

PAGE = "<form><input type=\"hidden\" name=\"csrf_token\" value=\"a&amp;b\">受理</form>"


RECEIVED: list[tuple[str, str, str]] = []  # path, Cookie header, form of each POST


class _Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = PAGE.encode("utf-8")
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (body[:7], body[7:]):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_response(200)
        self.send_header("Set-Cookie", "session=abc.def; HttpOnly; Path=/")
        self.send_header("Set-Cookie", 'theme="dark"; Path=/')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        form = self.rfile.read(int(self.headers["Content-Length"])).decode("ascii")
        RECEIVED.append((self.path, self.headers.get("Cookie", ""), form))
        self.send_response(303)
        self.send_header("Location", "/done")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    RECEIVED.clear()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_browser_reads_pages_keeps_cookies_and_posts_forms(site):
    browser = client.Browser(site)
    status, headers, page = browser.request("GET", "/form")
    assert (status, page) == (200, PAGE)
    assert client.hidden_value(page, "csrf_token") == "a&b"
    assert browser.cookies == {"session": "abc.def", "theme": "dark"}
    assert client.Browser(site).request("GET", "/chunked")[2] == PAGE
    status, headers, _page = browser.request("POST", "/send", {"title": "留言", "x": "1 2"})
    assert status == 303 and headers["Location"] == "/done"
    path, cookie, form = RECEIVED[0]
    assert (path, cookie) == ("/send", "session=abc.def; theme=dark")
    assert urllib.parse.parse_qs(form) == {"title": ["留言"], "x": ["1 2"]}


def test_an_answer_cut_short_is_an_error_not_a_page():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_half():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<html>")
        conn.close()

    thread = threading.Thread(target=answer_half)
    thread.start()
    try:
        with pytest.raises(ConnectionError):
            client.Browser(port, timeout=5).request("GET", "/")
    finally:
        thread.join()
        listener.close()
