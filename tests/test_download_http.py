"""course_lib.data.download against a real HTTP server on 127.0.0.1 that misbehaves.

The server serves a good file, a truncated one (Content-Length larger than the body),
one with the wrong bytes, one cut mid-transfer by a connection reset, one cut without
any Content-Length, and a chunked transfer cut after its first chunk. After every
attempt the cache holds either the correct file or nothing: never a wrong or partial
file, never a leftover ``.part``.
"""

from __future__ import annotations

import collections
import hashlib
import http.server
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

from course_lib.data import download

PAYLOAD = bytes(range(256)) * 64  # 16 KiB
SHA = hashlib.sha256(PAYLOAD).hexdigest()
HALF = len(PAYLOAD) // 2


MD5 = hashlib.md5(PAYLOAD).hexdigest()
REQUESTS: collections.Counter = collections.Counter()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # a stuck client cannot hold the server

    def log_message(self, *args):  # keep the test output quiet
        pass

    def do_GET(self):  # noqa: N802 (the name http.server expects)
        name = self.path.rsplit("/", 1)[-1]
        REQUESTS[name] += 1
        if name in ("trickle.bin", "slow.bin"):  # 1 KiB at a time, slowly
            self._headers(len(PAYLOAD))
            pause = 0.2 if name == "trickle.bin" else 0.05
            for i in range(0, len(PAYLOAD), 1024):
                self.wfile.write(PAYLOAD[i : i + 1024])
                self.wfile.flush()
                time.sleep(pause)
        elif name == "good.bin":
            self._headers(len(PAYLOAD))
            self.wfile.write(PAYLOAD)
        elif name == "truncated.bin":  # promises more than it sends, then closes
            self._headers(len(PAYLOAD))
            self.wfile.write(PAYLOAD[:HALF])
            self.close_connection = True
        elif name == "endless.bin":  # far more than any pin, no Content-Length, until the client stops
            self.send_response(200)
            self.end_headers()
            self.close_connection = True
            try:
                for _ in range(2000):  # 32 MiB at most
                    self.wfile.write(PAYLOAD)
            except OSError:
                pass
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
    files = sorted(p.name for p in cache.iterdir() if p.name != ".locks")
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


def test_a_trickling_server_is_stopped_by_the_overall_deadline(server, tmp_path):
    # 1 KiB every 0.2 s never trips the per-read timeout; the deadline ends it
    start = time.monotonic()
    with pytest.raises(download.DownloadError, match="deadline of 1 s"):
        download.fetch(f"{server}/trickle.bin", SHA, "data.bin", cache=tmp_path, timeout=1, deadline=1)
    assert time.monotonic() - start < 3
    assert not _cache_is_correct_or_absent(tmp_path)


def test_a_published_md5_is_checked_and_the_sha256_recorded_on_first_use(server, tmp_path):
    path = download.fetch(f"{server}/good.bin", f"md5:{MD5}", "data.bin", cache=tmp_path)
    assert _cache_is_correct_or_absent(tmp_path)
    assert (tmp_path / "data.bin.sha256").read_text().strip() == SHA
    with pytest.raises(download.ChecksumError, match=f"expected {MD5[:8]}"):
        download.fetch(f"{server}/wrong.bin", f"md5:{MD5}", "other.bin", cache=tmp_path)
    assert not (tmp_path / "other.bin").exists() and not (tmp_path / "other.bin.sha256").exists()
    assert download.fetch(f"{server}/missing.bin", f"md5:{MD5}", "data.bin", cache=tmp_path) == path


def test_a_size_pinned_file_is_trusted_on_first_use_then_checked(server, tmp_path, capsys):
    url = f"{server}/good.bin"
    path = download.fetch(url, None, "data.bin", size=len(PAYLOAD), cache=tmp_path)
    assert (tmp_path / "data.bin.sha256").read_text().strip() == SHA
    with pytest.raises(download.ChecksumError, match=f"expected {len(PAYLOAD) + 1}"):
        download.fetch(url, None, "again.bin", size=len(PAYLOAD) + 1, cache=tmp_path)
    # same size, other bytes: the recorded SHA-256 notices, and the file is fetched again
    path.write_bytes(PAYLOAD[::-1])
    assert download.fetch(url, None, "data.bin", size=len(PAYLOAD), cache=tmp_path) == path
    assert "another SHA-256 than the" in capsys.readouterr().out
    assert _cache_is_correct_or_absent(tmp_path)
    with pytest.raises(ValueError, match="size: a file without a checksum"):
        download.fetch(url, None, "data.bin", cache=tmp_path)


def test_the_record_outlives_a_damaged_copy(server, tmp_path):
    """A damaged cached copy is fetched again, and the new bytes must match the record."""
    path = download.fetch(f"{server}/good.bin", None, "data.bin", size=len(PAYLOAD), cache=tmp_path)
    path.write_bytes(PAYLOAD[:-1] + b"x")  # local damage
    # the server now sends other bytes of the same size: trusting them would undo the record
    with pytest.raises(download.ChecksumError, match="another SHA-256 than the .* recorded"):
        download.fetch(f"{server}/wrong.bin", None, "data.bin", size=len(PAYLOAD), cache=tmp_path)
    assert (tmp_path / "data.bin.sha256").read_text().strip() == SHA, "the record is kept"
    assert not path.exists(), "the damaged copy is gone, nothing else was cached"
    assert download.fetch(f"{server}/good.bin", None, "data.bin", size=len(PAYLOAD), cache=tmp_path) == path


def test_a_full_disk_never_leaves_an_empty_record(server, tmp_path, monkeypatch):
    from course_lib import files

    def full(tmp):
        tmp.write_text("")  # what a full disk leaves: an empty file, then an error
        raise OSError(28, "No space left on device")

    real = files.atomic_write
    monkeypatch.setattr(files, "atomic_write", lambda path, write: real(path, full))
    with pytest.raises(OSError, match="could not write .* into the cache .*No space left.*free some space") as err:
        download.fetch(f"{server}/good.bin", None, "data.bin", size=len(PAYLOAD), cache=tmp_path)
    assert "Without network" not in str(err.value), "a full disk is not a network problem"
    assert not (tmp_path / "data.bin.sha256").exists() and not (tmp_path / "data.bin").exists()
    assert not list(tmp_path.glob(".data.bin*")), "no temporary file left"
    monkeypatch.undo()
    path = download.fetch(f"{server}/good.bin", None, "data.bin", size=len(PAYLOAD), cache=tmp_path)
    assert (tmp_path / "data.bin.sha256").read_text().strip() == SHA
    for damage, said in ((b"", "is empty"), (b"\xff\xfe", "cannot be read"), (b"abc\n", "is not 64 hex")):
        (tmp_path / "data.bin.sha256").write_bytes(damage)
        with pytest.raises(download.ChecksumError, match=f"record .*data.bin.sha256 {said}.*delete the record"):
            download.fetch(f"{server}/good.bin", None, "data.bin", size=len(PAYLOAD), cache=tmp_path)
        assert path.read_bytes() == PAYLOAD, "the verified file is left alone"


def test_a_server_sending_more_than_the_pinned_size_is_stopped_at_once(server, tmp_path, monkeypatch):
    written = []
    real = download._download

    def spy(url, tmp, **kwargs):
        try:
            real(url, tmp, **kwargs)
        finally:
            written.append(tmp.stat().st_size if tmp.exists() else 0)

    monkeypatch.setattr(download, "_download", spy)
    with pytest.raises(download.ChecksumError, match=f"sent more than the pinned {len(PAYLOAD)} bytes"):
        download.fetch(f"{server}/endless.bin", None, "data.bin", size=len(PAYLOAD), cache=tmp_path)
    assert written and written[0] <= len(PAYLOAD) + (1 << 16), f"{written[0]} bytes written before stopping"
    assert not list(tmp_path.glob("data.bin*")), "nothing cached, no part left"


def test_a_killed_download_leaves_no_part_for_long(server, tmp_path):
    stale = tmp_path / "data.bin.k1ll3d.part"
    stale.write_bytes(PAYLOAD[:100])  # what a SIGKILL in the middle of a download leaves
    download.fetch(f"{server}/good.bin", SHA, "data.bin", cache=tmp_path)
    assert not stale.exists(), "the next fetch of the same file removes it (it holds the file's lock)"


def test_the_deadline_covers_waiting_for_another_process(server, tmp_path):
    import fcntl

    lock = download._lock_path(tmp_path, "data.bin")
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another download of the same file, stuck
        started = time.monotonic()
        with pytest.raises(download.DownloadError, match="held .* for more than the deadline of 1 s"):
            download.fetch(f"{server}/good.bin", SHA, "data.bin", cache=tmp_path, deadline=1.0)
        assert time.monotonic() - started < 10


def test_a_download_shows_its_progress(server, tmp_path, capsys):
    download.fetch(f"{server}/good.bin", SHA, "data.bin", cache=tmp_path)
    out = capsys.readouterr().out
    assert "downloading good.bin:" in out and "(100%)" in out and "MB/s" in out


def test_two_processes_fetching_one_file_both_succeed_with_one_download(server, tmp_path):
    REQUESTS["slow.bin"] = 0
    code = (
        "import sys\n"
        "from course_lib.data import download\n"
        "p = download.fetch(sys.argv[1], sys.argv[2], 'data.bin', cache=sys.argv[3], progress=False)\n"
        "print(p.read_bytes() == bytes(range(256)) * 64)\n"
    )
    args = [f"{server}/slow.bin", SHA, str(tmp_path)]
    procs = [subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=60) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "True"
    assert REQUESTS["slow.bin"] == 1, "the second process waited and used the first one's file"
    assert _cache_is_correct_or_absent(tmp_path)
