"""The local HTTP servers: one threaded server per endpoint, each logging one line per request."""

from __future__ import annotations

import errno
import json
import logging
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from .cfn import LocalRunnerError

__all__ = ["LocalServer", "PortInUseError", "RequestHandler"]

log = logging.getLogger("clickstream.local")


class PortInUseError(LocalRunnerError):
    """The port asked for is taken."""


class RequestHandler(BaseHTTPRequestHandler):
    """Parses the request, calls ``respond``, sends the answer and logs one line for it."""

    server_version = "clickstream-local"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    label: ClassVar[str] = "http"

    def respond(
        self, method: str, path: str, query: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def version_string(self) -> str:
        return self.server_version

    def _handle(self) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        try:
            status, headers, payload = self.respond(self.command, parts.path, query, body)
        except Exception:
            log.exception("%s: %s %s failed", self.label, self.command, self.path)
            status, headers = 500, {"Content-Type": "application/json"}
            payload = b'{"message":"Internal server error"}'
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        note = getattr(self, "note", "")
        log.info(
            "%-7s %s %s -> %d%s (%.0f ms)",
            self.label,
            self.command,
            self.path,
            status,
            f" {note}" if note else "",
            (time.monotonic() - started) * 1000,
        )

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s: " + format, self.label, *args)


def json_response(status: int, value: Any, headers: dict[str, str] | None = None) -> tuple:
    body = json.dumps(value, ensure_ascii=False).encode()
    return status, {"Content-Type": "application/json", **(headers or {})}, body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # What the handler serves (the API, the catalog, the site), set before serving starts.
    app: Any = None


class LocalServer:
    """A ``ThreadingHTTPServer`` bound at construction (so a taken port fails early)."""

    def __init__(self, handler: type[RequestHandler], host: str, port: int, what: str) -> None:
        try:
            self._server = _Server((host, port), handler)
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                reason = "in use" if error.errno == errno.EADDRINUSE else "not allowed"
                raise PortInUseError(
                    f"port {port} on {host} is {reason} (wanted for the {what}); "
                    "pick another port or stop what is using it"
                ) from None
            raise LocalRunnerError(
                f"cannot listen on {host}:{port} for the {what}: {error}"
            ) from None
        self.handler = handler
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, app: Any) -> None:
        """Serve ``app`` (handlers read it as ``self.server.app``)."""
        self._server.app = app
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
