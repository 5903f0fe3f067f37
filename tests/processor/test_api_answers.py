"""The Mysfits API's answer is read within bounds: at most MAX_ANSWER_BYTES of it, and the whole of
it within the call's timeout, however the bytes arrive. Work is counted, not timed: the bytes a
server got to send before the processor gave up on its answer."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from click_enrichment.lookup import MAX_ANSWER_BYTES, MysfitsApi, new_session

from clickstream.standins.mysfits import CATALOG

CATALOG_BODY = json.dumps({"mysfits": CATALOG}).encode()


class RawServer:
    """Answers every request with ``head`` then ``body``, ``drip`` bytes at a time every
    ``pause`` seconds; counts the body bytes it could send."""

    def __init__(self, head: bytes, body: bytes, *, drip: int, pause: float = 0.0) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.head, self.body, self.drip, self.pause = head, body, drip, pause
        self.sent = 0
        self._stop = threading.Event()

    def __enter__(self) -> RawServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._socket.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            try:
                connection.sendall(self.head)
                for start in range(0, len(self.body), self.drip):
                    if self._stop.wait(self.pause) if self.pause else self._stop.is_set():
                        return
                    connection.sendall(self.body[start : start + self.drip])
                    self.sent += min(self.drip, len(self.body) - start)
            except OSError:
                return


def api(url: str, timeout: float = 2.0) -> MysfitsApi:
    return MysfitsApi(lambda: new_session(2), url, timeout=timeout, max_attempts=1, backoff=0.0)


def head(length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Connection: close"
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{framing}\r\n\r\n".encode()


def padded_catalog(size: int) -> bytes:
    """A catalog the processor would accept, padded to ``size`` bytes with whitespace."""
    return CATALOG_BODY + b" " * (size - len(CATALOG_BODY))


def test_a_catalog_within_the_bound_is_read() -> None:
    body = padded_catalog(MAX_ANSWER_BYTES)
    with RawServer(head(len(body)), body, drip=65536) as server:
        reply = api(server.url).catalog(time.monotonic() + 30)

    assert reply.value is not None and len(reply.value) == len(CATALOG)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_an_answer_over_the_bound_is_refused_without_reading_it_all(declared: bool) -> None:
    # GIVEN a valid catalog, padded to twenty times the bound
    body = padded_catalog(20 * MAX_ANSWER_BYTES)
    with RawServer(head(len(body) if declared else None), body, drip=65536) as server:
        # WHEN the processor reads it
        reply = api(server.url).catalog(time.monotonic() + 30)
        time.sleep(0.2)  # let the server notice the closed connection
        sent = server.sent

    # THEN it is refused, not retried, and most of it was never read
    assert reply.value is None
    assert "over" in reply.problem and f"{MAX_ANSWER_BYTES:,}" in reply.problem
    assert reply.calls == 1
    assert sent < 10 * MAX_ANSWER_BYTES


def test_an_answer_fed_a_byte_at_a_time_is_given_up_at_the_timeout() -> None:
    # GIVEN a valid catalog sent a byte every 20 ms: each read gets a byte long before any read
    # timeout, and the whole would take over a minute
    with RawServer(head(len(CATALOG_BODY)), CATALOG_BODY, drip=1, pause=0.02) as server:
        # WHEN the processor reads it with a 0.5 s timeout
        reply = api(server.url, timeout=0.5).catalog(time.monotonic() + 30)
        sent = server.sent

    # THEN it gave up on the answer after about the timeout's worth of bytes, not the whole
    assert reply.value is None
    assert "body not whole within 0.5 s" in reply.problem
    assert sent < len(CATALOG_BODY) // 4
