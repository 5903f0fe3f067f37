"""WSGI apps (moto's servers) on 127.0.0.1, read by the same rules as the runner's own servers.

werkzeug's development server has no idle timeout, no bound on connections and no body limit,
and its de-chunking takes ``+5`` or ``0x5`` for a chunk size. Here a request's body is read by
``servers.read_body`` before the app runs (a framing error is answered 400, a body over the
limit 413, without the app), an idle connection is closed after ``IDLE_TIMEOUT_SECONDS``, and at
most ``MAX_CONNECTIONS`` connections are open at once, a request's head must arrive within
``HEAD_TIMEOUT_SECONDS`` of its first byte, and a request for a ``Host`` other than
127.0.0.1 or localhost is answered 421 without the app.
"""

from __future__ import annotations

import json
import socket
import threading
from io import BytesIO
from typing import Any

from .servers import (
    IDLE_TIMEOUT_SECONDS,
    BadRequestBody,
    ConnectionBound,
    HeadDeadline,
    host_allowed,
    misdirected,
    read_body,
)

__all__ = ["BackgroundWsgiServer", "wsgi_server"]

_BACKLOG = 128  # werkzeug's own


def wsgi_server(app: Any, host: str, port: int) -> Any:
    """A threaded werkzeug server bound to ``host:port`` (OSError if it cannot bind)."""
    from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

    class _FramedHandler(HeadDeadline, WSGIRequestHandler):
        timeout = IDLE_TIMEOUT_SECONDS
        _body = b""

        def run_wsgi(self) -> None:
            host = self.headers.get("Host")
            if not host_allowed(host):
                self.close_connection = True
                self.wfile.write(misdirected(host or ""))
                return
            try:
                self._body = read_body(self.headers, self.rfile)
            except BadRequestBody as error:
                self.close_connection = True
                payload = json.dumps({"message": str(error)}).encode()
                self.send_response(error.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
                return
            super().run_wsgi()

        def make_environ(self) -> dict[str, Any]:
            environ = super().make_environ()
            environ["wsgi.input"], environ["wsgi.input_terminated"] = BytesIO(self._body), False
            environ["CONTENT_LENGTH"] = str(len(self._body))
            return environ

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass  # the app logs its own lines

    class _Server(ConnectionBound, ThreadedWSGIServer):
        pass

    # Bound here: werkzeug's server prints two lines and exits the process when it cannot bind;
    # given a bound socket, it only serves it.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(_BACKLOG)
        return _Server(host, port, app, _FramedHandler, fd=listener.fileno())
    finally:
        listener.close()  # the server holds its own copy of the socket


class BackgroundWsgiServer:
    """``wsgi_server`` served on a daemon thread: ``start()`` then ``stop()`` (which closes the
    socket, started or not)."""

    def __init__(self, app: Any, host: str, port: int, name: str) -> None:
        self._server = wsgi_server(app, host, port)  # OSError if it cannot bind
        self._name = name
        self._thread: threading.Thread | None = None
        self.host, self.port = self._server.server_address[:2]

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self._name,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
