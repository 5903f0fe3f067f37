"""The local servers under ordinary HTTP clients: keep-alive, bursts, and a stop under load."""

from __future__ import annotations

import base64
import json
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from clickstream.http.servers import LocalServer, RequestHandler
from clickstream.local.mysfits import CATALOG_FILE

from .conftest import REPOSITORY, put_click, start_runner

CATALOG = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
MYSFIT_ID = CATALOG[0]["mysfitId"]


def _http_request(method: str, path: str, body: bytes = b"", headers: str = "") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """One whole response from a keep-alive socket: (head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head, body


# -- one write per response --------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["api", "mysfits", "web"])
def test_each_answer_on_a_keep_alive_connection_arrives_in_one_segment(start_pipeline, endpoint):
    # GIVEN a keep-alive connection that has already had one answer (Nagle holds back a second
    # small write until the first is acknowledged, and the client delays that acknowledgement)
    pipeline = start_pipeline(web_dir=REPOSITORY / "web")
    url, method, path, body = {
        "api": (pipeline.api_url, "PUT", "/clicks",
                json.dumps({"userId": "u", "mysfitId": MYSFIT_ID}).encode()),
        "mysfits": (pipeline.mysfits_api_url, "GET", f"/mysfits/{MYSFIT_ID}", b""),
        "web": (pipeline.web_url.rstrip("/"), "GET", "/index.html", b""),
    }[endpoint]  # fmt: skip
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    prefix = "/" + url.split("/", 3)[3] if url.count("/") > 2 else ""
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        for _ in range(3):
            sock.sendall(
                _http_request(method, prefix + path, body, "Content-Type: application/json\r\n")
            )
            # WHEN the answer's first bytes arrive
            first = sock.recv(1 << 20)
            # THEN they are the whole answer: headers and body left in one write
            head, _, received = first.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            assert head.startswith(b"HTTP/1.1 200"), head
            assert len(received) == length > 0


# -- a burst of new connections ----------------------------------------------------------------


class _Hello(RequestHandler):
    def respond(self, method, path, query, body):  # type: ignore[override]
        return 200, {"Content-Type": "text/plain"}, b"hello"


def test_a_burst_of_connections_is_queued_not_refused():
    # GIVEN a server that is listening but not yet accepting
    server = LocalServer(_Hello, "127.0.0.1", 0, "test server")
    sockets = []
    try:
        # WHEN 128 clients connect at once
        for _ in range(128):
            sock = socket.socket()
            sock.settimeout(0.5)
            sock.connect((server.host, server.port))
            sockets.append(sock)
        server.start(None)
        # THEN every one of them is answered once the server accepts
        for sock in sockets:
            sock.settimeout(10)
            sock.sendall(_http_request("GET", "/"))
        assert [_read_response(sock)[1] for sock in sockets] == [b"hello"] * 128
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


# -- stopping drains ---------------------------------------------------------------------------


class _Slow(RequestHandler):
    release = threading.Event()
    entered = threading.Event()

    def respond(self, method, path, query, body):  # type: ignore[override]
        if path == "/slow":
            type(self).entered.set()
            assert type(self).release.wait(10)
        return 200, {"Content-Type": "text/plain"}, path.encode()


def test_stop_closes_idle_connections_and_lets_requests_in_flight_finish():
    server = LocalServer(_Slow, "127.0.0.1", 0, "test server")
    server.start(None)
    idle = socket.create_connection((server.host, server.port), timeout=10)
    busy = socket.create_connection((server.host, server.port), timeout=10)
    try:
        # GIVEN one keep-alive connection idle after an answer, and one request in flight
        idle.sendall(_http_request("GET", "/quick"))
        assert _read_response(idle)[1] == b"/quick"
        busy.sendall(_http_request("GET", "/slow"))
        assert _Slow.entered.wait(10)
        # WHEN the server stops
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        # THEN the idle connection is closed without an answer, new connections are refused,
        assert idle.recv(1024) == b""
        with pytest.raises(OSError):
            socket.create_connection((server.host, server.port), timeout=2).close()
        assert stopper.is_alive()
        # AND the request in flight is answered, told the connection closes, before stop returns
        _Slow.release.set()
        head, body = _read_response(busy)
        assert head.startswith(b"HTTP/1.1 200") and body == b"/slow"
        assert b"Connection: close" in head
        stopper.join(10)
        assert not stopper.is_alive()
        assert busy.recv(1024) == b""
    finally:
        _Slow.release.set()
        idle.close()
        busy.close()
        server.stop()


def _stored_user_ids(bucket: Path) -> list[str]:
    """userId of every click in the bucket: Parquet rows and failure records alike."""
    import pyarrow.parquet as pq

    found = []
    for path in sorted(p for p in bucket.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            found += [row["userid"] for row in pq.read_table(path).to_pylist()]
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if "rawData" in record:
                record = json.loads(base64.b64decode(record["rawData"]))
            found.append(record["userId"])
    return found


def test_sigterm_under_keep_alive_load_keeps_every_acknowledged_click(tmp_path):
    # GIVEN the runner under load from 16 keep-alive clients
    bucket = tmp_path / "bucket"
    with (tmp_path / "runner.log").open("w") as log:
        process, urls = start_runner(
            bucket, "--interval-scale", "0.01",
            "--parameter", "ThrottlingRateLimit=10000", "--parameter", "ThrottlingBurstLimit=5000",
            stderr=log,
        )  # fmt: skip
    acknowledged: list[list[str]] = [[] for _ in range(16)]
    after_signal = [0]
    signalled = threading.Event()
    lock = threading.Lock()

    def client(index: int) -> None:
        session = requests.Session()
        deadline = time.monotonic() + 60
        for n in range(100_000):
            user_id = f"c{index}-{n}"
            try:
                answer = session.put(
                    f"{urls['clicks API']}/clicks",
                    json={"userId": user_id, "mysfitId": MYSFIT_ID},
                    timeout=10,
                )
            except requests.RequestException:
                if signalled.is_set() or time.monotonic() > deadline:
                    return
                continue
            if answer.status_code == 200:
                acknowledged[index].append(user_id)
                if signalled.is_set():
                    with lock:
                        after_signal[0] += 1
            elif signalled.is_set():
                return

    try:
        assert set(urls) == {"site", "clicks API", "Mysfits API"}, urls
        clients = [threading.Thread(target=client, args=(i,)) for i in range(16)]
        for thread in clients:
            thread.start()
        while sum(map(len, acknowledged)) < 300 and process.poll() is None:
            time.sleep(0.01)
        # WHEN it gets SIGTERM while the clients keep sending
        process.send_signal(signal.SIGTERM)
        signalled.set()
        assert process.wait(60) == 0
        for thread in clients:
            thread.join(30)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()

    # THEN every click answered 200 is in the bucket, once
    stored = _stored_user_ids(bucket)
    answered = [user_id for per_client in acknowledged for user_id in per_client]
    assert after_signal[0] > 0, "no click was answered after the signal: the test proved nothing"
    assert sorted(set(answered) - set(stored)) == []
    assert len(stored) == len(set(stored))


@pytest.mark.parametrize(
    ("request_bytes", "kept_open"),
    [
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
    ],
)
def test_keep_alive_as_the_client_asks(request_bytes, kept_open):
    server = LocalServer(_Hello, "127.0.0.1", 0, "test server")
    server.start(None)
    try:
        with socket.create_connection((server.host, server.port), timeout=10) as sock:
            sock.sendall(request_bytes)
            head, body = _read_response(sock)
            assert body == b"hello"
            assert (b"Connection: close" in head) is not kept_open
            sock.settimeout(0.5 if kept_open else 10)
            if kept_open:
                with pytest.raises(TimeoutError):
                    sock.recv(1)
            else:
                assert sock.recv(1) == b""
    finally:
        server.stop()


def test_after_the_final_flush_no_click_is_answered_200(start_pipeline):
    # GIVEN a pipeline whose stream has made its final flush while the API still listens
    pipeline = start_pipeline()
    assert put_click(pipeline, {"userId": "before", "mysfitId": MYSFIT_ID}).status_code == 200
    pipeline.stream.stop()

    # WHEN a click arrives
    answer = put_click(pipeline, {"userId": "after", "mysfitId": MYSFIT_ID})

    # THEN Firehose's refusal reaches the client as the method's 5xx answer, with CORS headers
    assert answer.status_code == 503
    assert answer.headers["Access-Control-Allow-Origin"]
    assert [r["userid"] for r in pipeline.delivered_records()] == ["before"]
