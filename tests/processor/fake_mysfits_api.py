"""A real HTTP server on 127.0.0.1 standing in for the Mysfits API, with injectable trouble.

Behaviours, scripted per mysfit id (consumed one per request, the last one repeats):
"ok", "404", "500", "503", "429", "garbage" (200 with a non-JSON body), "not_a_mysfit"
(200 with JSON of the wrong shape), ("slow", seconds) (sleep, then "ok").
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Behaviour = str | tuple[str, float]


class FakeMysfitsApi:
    def __init__(self, mysfits: dict[str, dict[str, Any]], latency: float = 0.0) -> None:
        self.mysfits = mysfits
        self.latency = latency
        self.requests: Counter[str] = Counter()
        self.connections = 0
        self._scripts: dict[str, list[Behaviour]] = {}
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def total_requests(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    def script(self, mysfit_id: str, *behaviours: Behaviour) -> None:
        with self._lock:
            self._scripts[mysfit_id] = list(behaviours)

    def next_behaviour(self, mysfit_id: str) -> Behaviour:
        with self._lock:
            self.requests[mysfit_id] += 1
            script = self._scripts.get(mysfit_id)
            if not script:
                return "ok"
            return script.pop(0) if len(script) > 1 else script[0]

    def start(self) -> FakeMysfitsApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeMysfitsApi:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops concurrent connects, costing a 1 s SYN retry

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up on a slow answer (a timeout under test) closes its end.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(api: FakeMysfitsApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like API Gateway

        def setup(self) -> None:
            super().setup()
            with api._lock:
                api.connections += 1

        def do_GET(self) -> None:
            prefix = "/mysfits/"
            if not self.path.startswith(prefix):
                self._send(404, b'{"message": "Not Found"}')
                return
            mysfit_id = self.path[len(prefix) :]
            behaviour = api.next_behaviour(mysfit_id)
            if api.latency:
                time.sleep(api.latency)
            if isinstance(behaviour, tuple):
                time.sleep(behaviour[1])
                behaviour = "ok"
            if behaviour == "ok":
                mysfit = api.mysfits.get(mysfit_id)
                if mysfit is None:
                    self._send(404, b'{"message": "mysfit not found"}')
                else:
                    self._send(200, json.dumps(mysfit).encode())
            elif behaviour == "garbage":
                self._send(200, b"<html>upstream hiccup</html>", "text/html")
            elif behaviour == "not_a_mysfit":
                self._send(200, b'{"mysfits": []}')
            elif behaviour == "429":
                self._send(429, b'{"message": "Too Many Requests"}', headers={"Retry-After": "0"})
            else:
                self._send(int(behaviour), b'{"message": "scripted"}')

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str = "application/json",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def refused_url() -> str:
    """The URL of a 127.0.0.1 port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
