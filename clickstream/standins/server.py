"""The Mysfits service on a real HTTP server (127.0.0.1, a free port unless one is given)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from clickstream.http.servers import (
    IDLE_TIMEOUT_SECONDS,
    BadRequestBody,
    ConnectionBound,
    HeadDeadline,
    read_body,
)

from .mysfits import Answer, Authorize, MysfitsService

__all__ = ["MysfitsServer"]

_JSON = {"Content-Type": "application/json"}


class MysfitsServer:
    """Serves a ``MysfitsService``; ``with MysfitsServer() as api: api.url``.

    Subclasses may override ``answer`` to put scripted trouble in front of the contract.
    ``service`` holds the state (likes, adoptions) and gives the table's items.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        authorize: Authorize | None = None,
        catalog: list[Mapping[str, Any]] | None = None,
    ) -> None:
        self._httpd = _Httpd(("127.0.0.1", port), _handler_for(self))
        host, self.port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{self.port}"
        self.service = MysfitsService(self.url, authorize=authorize, catalog=catalog)
        self._thread: threading.Thread | None = None

    def answer(
        self, method: str, path: str, query: dict[str, str], authorization: str | None
    ) -> Answer:
        return self.service.handle(method, path, query, authorization)

    def connected(self) -> None:
        """Called once per TCP connection a client opens (subclasses count them)."""

    def start(self) -> MysfitsServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> MysfitsServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class _Httpd(ConnectionBound, ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops concurrent connects, costing a 1 s SYN retry

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up on a slow answer (a timeout under test) closes its end.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(server: MysfitsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(HeadDeadline, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like API Gateway
        timeout = IDLE_TIMEOUT_SECONDS  # the local runner's: an idle connection is closed

        def setup(self) -> None:
            super().setup()
            server.connected()

        def _respond(self) -> None:
            parts = urlsplit(self.path)
            try:
                read_body(self.headers, self.rfile)  # the service ignores the body
            except BadRequestBody as error:
                refusal = json.dumps({"message": str(error)}).encode()
                self._send(error.status, {**_JSON, "Connection": "close"}, refusal)
                return
            query: dict[str, str] = {}
            for name, value in parse_qsl(parts.query, keep_blank_values=True):
                query.setdefault(name, value)  # Flask's request.args.get: the first value
            status, headers, body = server.answer(
                self.command, parts.path, query, self.headers.get("Authorization")
            )
            self._send(status, headers, body)

        def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = _respond

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
