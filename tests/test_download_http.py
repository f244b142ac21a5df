"""course_lib.data.download against a real HTTP server on 127.0.0.1 that misbehaves.

The server serves a good file, a truncated one (Content-Length larger than the body),
one with the wrong bytes, one cut mid-transfer by a connection reset, one cut without
any Content-Length, and a chunked transfer cut after its first chunk. After every attempt the cache holds either the correct
file or nothing: never a wrong or partial file, never a leftover ``.part``.
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import struct
import threading

import pytest

from course_lib.data import download

PAYLOAD = bytes(range(256)) * 64  # 16 KiB
SHA = hashlib.sha256(PAYLOAD).hexdigest()
HALF = len(PAYLOAD) // 2


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # a stuck client cannot hold the server

    def log_message(self, *args):  # keep the test output quiet
        pass

    def do_GET(self):  # noqa: N802 (the name http.server expects)
        name = self.path.rsplit("/", 1)[-1]
        if name == "good.bin":
            self._headers(len(PAYLOAD))
            self.wfile.write(PAYLOAD)
        elif name == "truncated.bin":  # promises more than it sends, then closes
            self._headers(len(PAYLOAD))
            self.wfile.write(PAYLOAD[:HALF])
            self.close_connection = True
        elif name == "wrong.bin":  # complete transfer of the wrong bytes
            body = PAYLOAD[::-1]
            self._headers(len(body))
            self.wfile.write(body)
        elif name == "reset.bin":  # the connection is reset mid-transfer
            self._headers(len(PAYLOAD))
            self.wfile.write(PAYLOAD[:HALF])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
        elif name == "nolength.bin":  # no Content-Length, body cut by closing
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(PAYLOAD[:HALF])
            self.close_connection = True
        elif name == "chunked.bin":  # chunked encoding, cut after the first chunk
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\n" % (HALF, PAYLOAD[:HALF]))
            self.close_connection = True
        else:
            self.send_error(404)

    def _headers(self, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    watchdog = threading.Timer(120, httpd.shutdown)  # stops itself even if a test hangs
    watchdog.daemon = True
    watchdog.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        watchdog.cancel()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _cache_is_correct_or_absent(cache, name="data.bin"):
    files = sorted(p.name for p in cache.iterdir())
    assert not [f for f in files if f.endswith(".part")], f"a partial download was left: {files}"
    target = cache / name
    if target.exists():
        assert target.read_bytes() == PAYLOAD, "the cache holds a wrong file"
    return target.exists()


def test_a_good_file_is_fetched_verified_and_then_served_from_the_cache(server, tmp_path):
    path = download.fetch(f"{server}/good.bin", SHA, "data.bin", cache=tmp_path, timeout=10)
    assert path == tmp_path / "data.bin"
    assert _cache_is_correct_or_absent(tmp_path)
    # a cache hit needs no server: the truncated URL would fail if it were contacted
    again = download.fetch(f"{server}/truncated.bin", SHA, "data.bin", cache=tmp_path, timeout=10)
    assert again == path and _cache_is_correct_or_absent(tmp_path)


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("truncated.bin", download.DownloadError, "cut off|could not download"),
        ("reset.bin", download.DownloadError, "cut off|could not download"),
        ("wrong.bin", download.ChecksumError, "nothing was cached"),
        ("nolength.bin", download.ChecksumError, "nothing was cached"),
        ("chunked.bin", download.DownloadError, "could not download"),
        ("missing.bin", download.DownloadError, "404"),
    ],
)
def test_a_bad_transfer_leaves_no_file_in_the_cache(server, tmp_path, name, error, message):
    with pytest.raises(error, match=message):
        download.fetch(f"{server}/{name}", SHA, "data.bin", cache=tmp_path, timeout=10)
    assert not _cache_is_correct_or_absent(tmp_path)


@pytest.mark.parametrize("name", ["truncated.bin", "reset.bin", "wrong.bin", "chunked.bin"])
def test_a_corrupted_cache_is_dropped_not_replaced_by_a_bad_download(server, tmp_path, name):
    (tmp_path / "data.bin").write_bytes(PAYLOAD[:100])  # e.g. a half-synced copy
    with pytest.raises((download.DownloadError, download.ChecksumError)):
        download.fetch(f"{server}/{name}", SHA, "data.bin", cache=tmp_path, timeout=10)
    assert not _cache_is_correct_or_absent(tmp_path)
    # and the next good transfer repairs it
    download.fetch(f"{server}/good.bin", SHA, "data.bin", cache=tmp_path, timeout=10)
    assert _cache_is_correct_or_absent(tmp_path)


def test_the_download_error_says_what_to_fetch_and_where_to_put_it(server, tmp_path):
    with pytest.raises(download.DownloadError) as info:
        download.fetch(f"{server}/missing.bin", SHA, "data.bin", cache=tmp_path, timeout=10)
    text = str(info.value)
    assert f"{server}/missing.bin" in text
    assert str(tmp_path / "data.bin") in text
    assert SHA in text
