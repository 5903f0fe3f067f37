"""Request framing on every local server: ASCII grammars, the body limit, logs, open connections.

Each server is met over a raw socket, as a hostile client would meet it: the runner's own
servers (``LocalServer``), the Mysfits stand-in server, and the werkzeug-based Cognito stand-in
and DynamoDB (moto's servers).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest

from clickstream.http import wsgi as wsgi_module
from clickstream.http.servers import (
    MAX_BODY_BYTES,
    MAX_CONNECTIONS,
    HeadDeadline,
    LocalServer,
    RequestHandler,
)
from clickstream.local.cognito import CognitoStandIn
from clickstream.local.dynamodb import LocalDynamoDB
from clickstream.standins import server as standin_module
from clickstream.standins.server import MysfitsServer

ANSWER_SECONDS = 5


class _Echo(RequestHandler):
    label = "echo"

    def respond(self, method, path, query, body):  # type: ignore[override]
        return 200, {"Content-Type": "application/octet-stream"}, body


def _local() -> Iterator[tuple[str, int]]:
    server = LocalServer(_Echo, "127.0.0.1", 0, "test server")
    server.start(None)
    try:
        yield server.host, server.port
    finally:
        server.stop(drain_seconds=1)


def _mysfits() -> Iterator[tuple[str, int]]:
    with MysfitsServer() as server:
        yield "127.0.0.1", server.port


def _cognito() -> Iterator[tuple[str, int]]:
    stand_in = CognitoStandIn().start()
    try:
        yield stand_in.host, stand_in.port
    finally:
        stand_in.stop()


def _dynamodb() -> Iterator[tuple[str, int]]:
    dynamodb = LocalDynamoDB()
    url = dynamodb.start()
    try:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)
    finally:
        dynamodb.stop()


SERVERS = {
    "local": _local,
    "mysfits stand-in": _mysfits,
    "cognito stand-in": _cognito,
    "dynamodb": _dynamodb,
}


@pytest.fixture(params=list(SERVERS))
def address(request) -> Iterator[tuple[str, int]]:
    yield from SERVERS[request.param]()


def answer_to(address: tuple[str, int], request: bytes) -> bytes:
    """The server's answer (its status line onwards) to raw bytes, the connection left open."""
    with socket.create_connection(address, timeout=ANSWER_SECONDS) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)  # a server that waits for more raises TimeoutError here
            if not chunk:
                break
            data += chunk
        return data


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1."), answer
    return int(answer.split(b" ", 2)[1])


# -- grammars --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "length",
    # Header bytes are read as latin-1: 0xb2 arrives as "²", which str.isdigit() accepts.
    [
        b"\xb2",
        b"\xb9\xb2",
        "\u0663".encode(),
        "\uff11".encode(),
        b"+1",
        b"-1",
        b"1_0",
        b"0x1",
        b"1 2",
        b"",
    ],
    ids=[
        "superscript",
        "superscripts",
        "arabic-indic",
        "fullwidth",
        "plus",
        "minus",
        "underscore",
        "hex",
        "space",
        "empty",
    ],
)
def test_a_content_length_that_is_not_ascii_digits_gets_a_400(address, length):
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + length + b"\r\n\r\n"

    assert status_of(answer_to(address, head + b"{}")) == 400


@pytest.mark.parametrize("size", [b"-1", b"+5", b"\xc2\xb2", b"0x5", b"", b"5 5"])
def test_a_chunk_size_that_is_not_ascii_hex_gets_a_400_without_reading_on(address, size):
    # The client keeps sending: a server that took -1 as "read to the end" would never answer.
    request = (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + size + b"\r\n{}\r\n"
    )

    assert status_of(answer_to(address, request)) == 400


def test_a_chunked_body_over_the_limit_gets_a_413_before_it_is_read():
    # Only the size line is sent: the refusal comes from the size, not from reading 10 MB.
    for address in _local():
        request = (
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            + format(MAX_BODY_BYTES + 1, "x").encode()
            + b"\r\n"
        )
        assert status_of(answer_to(address, request)) == 413


def test_a_content_length_over_the_limit_gets_a_413_before_the_body_is_sent(address):
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"

    assert status_of(answer_to(address, head.encode())) == 413


def test_both_framings_or_another_coding_get_a_400():
    for address in _local():
        both = (
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        gzip = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        twice = (
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n"
        )
        for request in (both, gzip, twice):
            assert status_of(answer_to(address, request + b"0\r\n\r\n")) == 400, request


def test_a_well_framed_chunked_body_is_read_whole():
    for address in _local():
        request = (
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
        )
        answer = answer_to(address, request)
        assert status_of(answer) == 200
        with socket.create_connection(address, timeout=ANSWER_SECONDS) as sock:
            sock.sendall(request)
            whole = b""
            while chunk := sock.recv(65536):
                whole += chunk
        assert whole.endswith(b"\r\n\r\nabcde")


# -- logs --------------------------------------------------------------------------------------


def test_request_paths_reach_the_log_with_control_characters_escaped(caplog):
    caplog.set_level(logging.INFO, logger="clickstream.local")
    for address in _local():
        answer_to(address, b"GET /\x1b[2J\x1b]0;owned\x07?\x9b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer_to(address, b"GET /\x1b[31m HTTP/9.9\r\n\r\n")  # refused by the parser
    for address in _cognito():
        answer_to(
            address, b"POST /%1b%5b2J HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
        )

    lines = [record.getMessage() for record in caplog.records]
    assert any("\\x1b[2J" in line for line in lines), lines
    assert any("\\x1b[31m" in line for line in lines), lines
    assert any("cognito" in line and "\\x1b" in line for line in lines), lines
    for line in lines:
        assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in line), repr(line)


# -- open connections ----------------------------------------------------------------------------


def test_connections_past_the_bound_get_a_503_and_are_closed(address):
    held = []
    try:
        for _ in range(MAX_CONNECTIONS):  # connected, sending nothing
            held.append(socket.create_connection(address, timeout=ANSWER_SECONDS))
        with socket.create_connection(address, timeout=ANSWER_SECONDS) as extra:
            answer = b""
            while chunk := extra.recv(65536):
                answer += chunk
        assert status_of(answer) == 503
        assert b"Connection: close" in answer

        # One held connection closes: its place is free for a new client.
        held.pop().close()
        answer = b""
        for _ in range(50):
            answer = answer_to(address, b"GET /mysfits HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            if status_of(answer) != 503:
                break
        assert status_of(answer) != 503
    finally:
        for sock in held:
            sock.close()


@pytest.mark.parametrize("module", [standin_module, wsgi_module], ids=["mysfits", "cognito"])
def test_stand_in_servers_close_a_connection_that_sends_nothing(monkeypatch, module):
    # The same idle timeout as the runner's servers, shortened here.
    monkeypatch.setattr(module, "IDLE_TIMEOUT_SECONDS", 0.2)
    serve = _mysfits if module is standin_module else _cognito
    for address in serve():
        with socket.create_connection(address, timeout=ANSWER_SECONDS) as sock:
            assert sock.recv(1024) == b""  # closed by the server, not a TimeoutError here


# -- slow request heads (slowloris) ----------------------------------------------------------

HEAD_SECONDS = 0.5
# Far past HEAD_SECONDS, far short of the idle timeout (60 s) that bounds each read.
CLOSED_WITHIN = 10


def _fed_a_byte_at_a_time(sock: socket.socket, stop: threading.Event) -> None:
    """A request head that never ends: a byte every tenth of a second, each resetting any
    per-read timeout."""
    head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000
    for byte in head:
        if stop.wait(0.1):
            return
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            return


def _closed_by_the_server(sock: socket.socket) -> bool:
    """True once the server closes the connection (EOF or reset), False if it holds it open."""
    sock.settimeout(CLOSED_WITHIN)
    try:
        while sock.recv(65536):
            pass  # an answer (408, 400) before the close is fine
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def test_a_request_head_fed_a_byte_at_a_time_is_cut_off(monkeypatch, address):
    # GIVEN a short limit on the whole request head, and a client feeding one a byte at a time
    monkeypatch.setattr(HeadDeadline, "head_timeout", HEAD_SECONDS)
    stop = threading.Event()
    with socket.create_connection(address, timeout=ANSWER_SECONDS) as sock:
        feeder = threading.Thread(target=_fed_a_byte_at_a_time, args=(sock, stop))
        feeder.start()
        try:
            # THEN the server closes it, though each read got a byte well within its timeout
            assert _closed_by_the_server(sock)
        finally:
            stop.set()
            feeder.join()


def test_stalled_heads_cannot_hold_the_connection_limit(monkeypatch):
    # GIVEN a server that holds four connections at most, and four clients that each sent the
    # first byte of a request and nothing more
    monkeypatch.setattr(HeadDeadline, "head_timeout", HEAD_SECONDS)
    server = LocalServer(_Echo, "127.0.0.1", 0, "test server", max_connections=4)
    server.start(None)
    address = (server.host, server.port)
    held = []
    try:
        for _ in range(4):
            sock = socket.create_connection(address, timeout=ANSWER_SECONDS)
            sock.sendall(b"G")
            held.append(sock)
        # WHILE they hold it, a fifth client is turned away
        assert status_of(answer_to(address, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) == 503

        # THEN each stalled connection is closed once its head is late, and a new client is served
        assert all(_closed_by_the_server(sock) for sock in held)
        request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
        answer = answer_to(address, request)
        assert status_of(answer) == 200
    finally:
        for sock in held:
            sock.close()
        server.stop(drain_seconds=1)
