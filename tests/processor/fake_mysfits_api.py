"""The shared Mysfits stand-in on a real HTTP server, with trouble injected in front of it.

Without a script every request gets the service's own answer (`clickstream.standins`: an unknown
id is a 500 HTML page). Behaviours are scripted per mysfit id, or per CATALOG for `GET /mysfits`,
consumed one per request (the last one repeats): "ok" (the service's answer), "500", "503",
"429", "garbage" (200 with a non-JSON body), "not_a_mysfit" (200 with JSON of the wrong shape),
("slow", seconds) (sleep, then the service's answer).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from urllib.parse import unquote

from clickstream.standins.mysfits import Answer
from clickstream.standins.server import MysfitsServer

Behaviour = str | tuple[str, float]
CATALOG = "GET /mysfits"


class FakeMysfitsApi(MysfitsServer):
    def __init__(self, latency: float = 0.0) -> None:
        super().__init__()
        self.latency = latency
        # Reads by what they read: CATALOG, or the mysfit id (as sent, percent-encoded).
        self.requests: Counter[str] = Counter()
        self.connections = 0
        self._scripts: dict[str, list[Behaviour]] = {}
        self._lock = threading.Lock()

    @property
    def total_requests(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    def script(self, target: str, *behaviours: Behaviour) -> None:
        with self._lock:
            self._scripts[target] = list(behaviours)

    def connected(self) -> None:
        with self._lock:
            self.connections += 1

    def _next_behaviour(self, target: str) -> Behaviour:
        with self._lock:
            self.requests[target] += 1
            script = self._scripts.get(target)
            if not script:
                return "ok"
            return script.pop(0) if len(script) > 1 else script[0]

    def answer(
        self, method: str, path: str, query: dict[str, str], authorization: str | None
    ) -> Answer:
        prefix = "/mysfits/"
        if path == "/mysfits":
            target = CATALOG
        elif path.startswith(prefix) and "/" not in unquote(path[len(prefix) :]):
            target = path[len(prefix) :]
        else:
            return super().answer(method, path, query, authorization)
        behaviour = self._next_behaviour(target)
        if self.latency:
            time.sleep(self.latency)
        if isinstance(behaviour, tuple):
            time.sleep(behaviour[1])
            behaviour = "ok"
        if behaviour == "ok":
            return super().answer(method, path, query, authorization)
        if behaviour == "garbage":
            return Answer(200, {"Content-Type": "text/html"}, b"<html>upstream hiccup</html>")
        if behaviour == "not_a_mysfit":
            return _json(200, {"mysfits": "none"} if target == CATALOG else {"mysfits": []})
        if behaviour == "429":
            return Answer(
                429,
                {"Content-Type": "application/json", "Retry-After": "0"},
                b'{"message": "Too Many Requests"}',
            )
        return _json(int(behaviour), {"message": "scripted"})


def _json(status: int, body: object) -> Answer:
    return Answer(status, {"Content-Type": "application/json"}, json.dumps(body).encode())


def refused_url() -> str:
    """The URL of a 127.0.0.1 port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
