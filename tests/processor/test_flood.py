"""Hostile traffic: thousands of made-up ids cost a handful of calls; nothing outlives a batch."""

from __future__ import annotations

import socket
import threading
import time

from fake_mysfits_api import CATALOG, FakeMysfitsApi
from processor_helpers import MYSFITS, FakeContext, Processor, make_event


def flood(made_up: list[str], clicks: int = 10_000) -> tuple[dict, list[str]]:
    """`clicks` clicks: every tenth on one of the twelve mysfits, the rest on made-up ids."""
    real = [m["mysfitId"] for m in MYSFITS]
    ids = [
        made_up[(n - n // 10 - 1) % len(made_up)] if n % 10 else real[n // 10 % 12]
        for n in range(clicks)
    ]
    return make_event([f'{{"userId":"u","mysfitId":"{i}"}}'.encode() for i in ids]), ids


def test_ten_thousand_clicks_on_three_thousand_made_up_ids_cost_one_call(
    processor: Processor, mysfits_api: FakeMysfitsApi
) -> None:
    # GIVEN 10,000 clicks: 3,000 distinct ids that do not exist, and the twelve that do
    made_up = [f"00000000-0000-4000-8000-{n:012d}" for n in range(3000)]
    event, ids = flood(made_up)

    # WHEN the processor transforms them
    response = processor.invoke(event)

    # THEN one catalog read settles every id: each real click enriched, each made-up one failed
    assert mysfits_api.requests == {CATALOG: 1}
    real = {m["mysfitId"] for m in MYSFITS}
    expected = ["Ok" if i in real else "ProcessingFailed" for i in ids]
    assert [r["result"] for r in response["records"]] == expected
    summary = processor.log_lines()[-1]
    assert summary["failedByReason"] == {"unknown_mysfit": 9000}
    assert summary["distinctMysfits"] == 3012

    # AND the next batch with the same ids makes no call at all
    processor.invoke(event)
    assert mysfits_api.requests == {CATALOG: 1}
    assert processor.log_lines()[-1]["cacheHits"] == 3012


def test_new_made_up_ids_cost_at_most_one_catalog_read_a_batch(
    processor: Processor, mysfits_api: FakeMysfitsApi
) -> None:
    for batch in range(3):
        made_up = [f"batch{batch}-{n}" for n in range(500)]
        response = processor.invoke(flood(made_up, clicks=1000)[0])
        assert sum(r["result"] == "Ok" for r in response["records"]) == 100

    assert mysfits_api.requests == {CATALOG: 3}


class TricklingServer:
    """Answers `GET /mysfits` with 500 and any other read with headers, then a byte every
    0.05 s forever: no single read waits long enough for a socket timeout to fire."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> TricklingServer:
        self._threads.append(threading.Thread(target=self._accept, daemon=True))
        self._threads[0].start()
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
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            request = connection.recv(65536)
            if request.startswith(b"GET /mysfits HTTP"):
                body = b"<html>500</html>"
                head = f"HTTP/1.1 500 INTERNAL SERVER ERROR\r\nContent-Length: {len(body)}\r\n"
                connection.sendall(head.encode() + b"Content-Type: text/html\r\n\r\n" + body)
                request = connection.recv(65536)  # keep-alive: the per-id read follows
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            )
            while not self._stop.wait(0.05):
                try:
                    connection.sendall(b" ")
                except OSError:
                    return


def test_a_read_trickling_past_the_cutoff_fails_its_click_in_time(processor_for) -> None:
    # GIVEN a server whose answer never ends, though bytes keep arriving
    with TricklingServer() as server:
        processor = processor_for(
            server.url, DEADLINE_MARGIN_SECONDS="0.5", MYSFITS_API_MAX_ATTEMPTS="1"
        )
        event = make_event([b'{"userId":"u","mysfitId":"m"}'])

        # WHEN one invocation runs out of time on it
        started = time.monotonic()
        response = processor.invoke(event, FakeContext(remaining_seconds=1.5))
        elapsed = time.monotonic() - started

        # THEN the click fails as past the deadline, in time
        assert response["records"][0]["result"] == "ProcessingFailed"
        assert processor.log_lines()[-1]["failedByReason"] == {"deadline": 1}
        assert elapsed < 1.4
