"""The local HTTP servers: one threaded server per endpoint, each logging one line per request.

They behave as real-world HTTP servers do under ordinary clients: keep-alive (HTTP/1.1), each
response sent in one write with Nagle off (no stall against the client's delayed ACK), a listen
backlog that absorbs a burst of new connections, and a shutdown that drains: stop accepting,
close idle keep-alive connections, let requests in flight finish, and only then return.

Under hostile clients they hold: ``Content-Length`` is ASCII digits and a chunk size ASCII hex
(anything else 400), a body is at most ``MAX_BODY_BYTES`` (413, refused before it is read), at
most ``MAX_CONNECTIONS`` connections are open at once (one more gets 503 and is closed),
what a request carries reaches the log with its control characters escaped, a request's head
(request line and headers) must arrive within ``HEAD_TIMEOUT_SECONDS`` of its first byte (a
client feeding it a byte at a time is closed, slowloris), and a request whose
``Host`` is not 127.0.0.1 or localhost (DNS rebinding) is answered 421 and closed.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import re
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_CONNECTIONS",
    "MISDIRECTED",
    "ConnectionBound",
    "HeadDeadline",
    "LocalServer",
    "PortInUseError",
    "RequestHandler",
    "host_allowed",
    "misdirected",
    "printable",
    "read_body",
]

log = logging.getLogger("clickstream.local")

LISTEN_BACKLOG = 1024
# Connections one server holds open at once (each has a thread); one more is answered 503 and
# closed at once. A browser opens about six per origin; the runner serves one developer.
MAX_CONNECTIONS = 256
# A keep-alive connection idle this long is closed, as a load balancer closes an idle one.
IDLE_TIMEOUT_SECONDS = 60.0
# Once a request's first byte has come, the rest of its head (request line and headers) must come
# within this: a client feeding it a byte at a time cannot hold a connection (slowloris).
HEAD_TIMEOUT_SECONDS = 10.0
# How long a drain waits for requests in flight before giving up on them.
DRAIN_SECONDS = 10.0
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit


class LocalRunnerError(Exception):
    """The local runner, or one of its servers, cannot start; the message is one line meant for
    the user."""


class PortInUseError(LocalRunnerError):
    """The port asked for is taken; ``role`` names which of the runner's ports, once known."""

    def __init__(self, problem: str, role: str | None = None) -> None:
        super().__init__(f"{problem}; pick another port or stop what is using it")
        self.problem = problem
        self.role = role


class BadRequestBody(ValueError):
    """The request's framing (Content-Length, chunked encoding) cannot be read, or is too big."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes "²" and "٣"
# RFC 9112 7.1: chunk-size = 1*HEXDIG, then optional extensions; ASCII only, never a sign.
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n")
_LINE_END = (b"\r\n", b"\n")
MAX_TRAILER_BYTES = 8 * 1024


def read_body(headers: Any, rfile: Any) -> bytes:
    """The request body as the framing headers describe it; BadRequestBody if they are wrong."""
    encodings = headers.get_all("Transfer-Encoding") or []
    lengths = [value.strip() for value in headers.get_all("Content-Length") or []]
    if encodings:
        if lengths:  # RFC 9112 6.3: a request framed both ways may be refused
            raise BadRequestBody("both Transfer-Encoding and Content-Length")
        coding = ", ".join(encodings)
        if [part.strip().lower() for part in coding.split(",")] != ["chunked"]:
            raise BadRequestBody(f"unsupported Transfer-Encoding {printable(coding)!r}")
        return _read_chunked(rfile)
    if not lengths:
        return b""
    if len(set(lengths)) > 1 or not _DIGITS.fullmatch(lengths[0]):
        raise BadRequestBody(f"bad Content-Length {printable(', '.join(lengths))!r}")
    digits = lengths[0].lstrip("0") or "0"
    if len(digits) > len(str(MAX_BODY_BYTES)) or int(digits) > MAX_BODY_BYTES:
        raise BadRequestBody("body too large", 413)
    length = int(digits)
    body = rfile.read(length) if length else b""
    if len(body) < length:
        raise BadRequestBody("body ended early")
    return body


def _read_chunked(rfile: Any) -> bytes:
    chunks, total = [], 0
    while True:
        match = _CHUNK_LINE.fullmatch(rfile.readline(1024))
        if match is None:
            raise BadRequestBody("bad chunk size")
        size = int(match[1], 16)
        if total + size > MAX_BODY_BYTES:
            raise BadRequestBody("body too large", 413)
        if size == 0:
            break
        chunk = rfile.read(size)
        if len(chunk) < size:
            raise BadRequestBody("body ended early")
        if rfile.readline(2) not in _LINE_END:
            raise BadRequestBody("chunk not followed by CRLF")
        chunks.append(chunk)
        total += size
    trailer = 0
    while (line := rfile.readline(1024)) not in _LINE_END:
        trailer += len(line)
        if not line or trailer > MAX_TRAILER_BYTES:
            raise BadRequestBody("bad chunked trailer")
    return b"".join(chunks)


# The hosts the local servers answer for: 127.0.0.1 and localhost, with or without a port. A page
# of another site whose name an attacker points at 127.0.0.1 (DNS rebinding) sends its own name.
_LOCAL_HOST = re.compile(r"(?:127\.0\.0\.1|localhost)(?::[0-9]{1,5})?", re.IGNORECASE)
MISDIRECTED = 421


def host_allowed(host: str | None) -> bool:
    """Whether a request's ``Host`` names this machine (no Host at all: an HTTP/1.0 client)."""
    return host is None or _LOCAL_HOST.fullmatch(host.strip()) is not None


def misdirected(host: str) -> bytes:
    """The whole answer to a request for another host: 421, closed, no CORS headers."""
    body = json.dumps(
        {"message": f"this server answers only 127.0.0.1 and localhost, not {printable(host)}"}
    ).encode()
    return (
        b"HTTP/1.1 421 Misdirected Request\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str, keep: str = "") -> str:
    """``text`` with control characters escaped (``\\x1b``), safe to write to a terminal.

    ``keep``: control characters left as they are (a log formatter keeps ``"\\n"``).
    """
    return _CONTROL.sub(lambda m: m[0] if m[0] in keep else f"\\x{ord(m[0]):02x}", text)


class _HeadClock(io.RawIOBase):
    """The connection's reads, each given only the time left before the request head's deadline
    (set by its first byte); between requests, and for the body, the idle timeout."""

    def __init__(self, connection: socket.socket, idle: float, head: float) -> None:
        self._connection, self._idle, self._head = connection, idle, head
        self._in_head = False
        self._deadline: float | None = None

    def readable(self) -> bool:
        return True

    def begin_head(self) -> None:
        self._in_head, self._deadline = True, None

    def end_head(self) -> None:
        self._in_head, self._deadline = False, None

    def readinto(self, buffer: Any) -> int:
        timeout = self._idle
        if self._deadline is not None:
            timeout = self._deadline - time.monotonic()
            if timeout <= 0:
                raise TimeoutError("the request head did not arrive in time")
        self._connection.settimeout(timeout)
        count = self._connection.recv_into(buffer)
        if self._in_head and self._deadline is None and count:
            self._deadline = time.monotonic() + self._head
        return count


class HeadDeadline:
    """``BaseHTTPRequestHandler`` mix-in: a request's whole head must arrive within
    ``head_timeout`` of its first byte (the idle timeout bounds each read only)."""

    head_timeout: float = HEAD_TIMEOUT_SECONDS
    timeout: float | None
    connection: socket.socket

    def setup(self) -> None:
        super().setup()  # type: ignore[misc]
        self._clock = _HeadClock(
            self.connection, self.timeout or IDLE_TIMEOUT_SECONDS, self.head_timeout
        )
        self.rfile = io.BufferedReader(self._clock)

    def handle_one_request(self) -> None:
        # Bytes of the next request already read (pipelined) started its head with the last read.
        self._clock.begin_head()
        try:
            super().handle_one_request()  # type: ignore[misc]
        finally:
            self._clock.end_head()

    def parse_request(self) -> bool:
        try:
            return super().parse_request()  # type: ignore[misc]
        finally:
            self._clock.end_head()


class RequestHandler(HeadDeadline, BaseHTTPRequestHandler):
    """Parses the request, calls ``respond``, sends the answer in one write and logs one line."""

    server_version = "clickstream-local"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS
    label: ClassVar[str] = "http"
    server: _Server

    def respond(
        self, method: str, path: str, query: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def refuse(self, status: int, message: str) -> tuple[int, dict[str, str], bytes]:
        """The answer to a request whose framing cannot be read (the API dresses it its way)."""
        return json_response(status, {"message": message})

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        self.close_connection = True
        try:
            self.handle_one_request()
            while not self.close_connection:
                self.handle_one_request()
        except OSError:
            # The client went away, or the server closed an idle connection while draining.
            self.close_connection = True

    def parse_request(self) -> bool:
        # A request line has arrived: the connection is busy unless the drain closed it first.
        if not self.server.begin_request(self.connection):
            self.close_connection = True
            return False
        return super().parse_request()

    def _handle(self) -> None:
        started = time.monotonic()
        try:
            self._respond_once()
        finally:
            if self.server.end_request(self.connection):
                self.close_connection = True
        note = getattr(self, "note", "")
        log.info(
            "%-7s %s %s -> %d%s (%.0f ms)",
            self.label,
            self.command,
            printable(self.path),
            self.status,
            f" {note}" if note else "",
            (time.monotonic() - started) * 1000,
        )

    def _respond_once(self) -> None:
        host = self.headers.get("Host")
        if not host_allowed(host):
            self.close_connection = True
            self.status = MISDIRECTED
            self.wfile.write(misdirected(host or ""))
            return
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            body = read_body(self.headers, self.rfile)
        except BadRequestBody as error:
            self.close_connection = True
            status, headers, payload = self.refuse(error.status, str(error))
        else:
            try:
                status, headers, payload = self.respond(self.command, parts.path, query, body)
            except Exception:
                log.exception("%s: %s %s failed", self.label, self.command, printable(self.path))
                status, headers = 500, {"Content-Type": "application/json"}
                payload = b'{"message":"Internal server error"}'
        self.status = status
        self._send(status, headers, payload)

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        request_headers = getattr(self, "headers", None) or {}
        if self.server.draining or (request_headers.get("Connection") or "").lower() == "close":
            self.close_connection = True
        lines = [f"HTTP/1.1 {status} {status_phrase(status)}"]
        lines.append(f"Date: {self.date_time_string()}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(payload)}")
        if self.close_connection:
            lines.append("Connection: close")
        elif getattr(self, "request_version", "") == "HTTP/1.0":
            lines.append("Connection: keep-alive")  # it asked to keep the connection open
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
        # One write: headers and body leave in the same segment.
        self.wfile.write(head if self.command == "HEAD" else head + payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed request lines and headers: answered like any other refusal, then closed.
        self.close_connection = True
        self.status = code
        try:
            status, headers, payload = self.refuse(code, message or status_phrase(code))
            self._send(status, headers, payload)
        except OSError:
            pass
        log.info(
            "%-7s %s -> %d (%s)",
            self.label,
            printable(getattr(self, "requestline", "")),
            code,
            printable(message or ""),
        )

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s: %s", self.label, printable(format % args))


def json_response(status: int, value: Any, headers: dict[str, str] | None = None) -> tuple:
    body = json.dumps(value, ensure_ascii=False).encode()
    return status, {"Content-Type": "application/json", **(headers or {})}, body


_TOO_MANY_BODY = b'{"message":"Too many connections"}'
_TOO_MANY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(_TOO_MANY_BODY), _TOO_MANY_BODY)
)


class ConnectionBound:
    """``socketserver`` mix-in: at most ``max_connections`` connections open at once.

    One more is answered 503 on the accepting thread (a short write into an empty send buffer)
    and closed: it never waits for a thread, so it never hangs, and the server never runs out
    of threads or file descriptors because a client opened connections and sent nothing.
    """

    max_connections: int = MAX_CONNECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._held: set[Any] = set()
        self._held_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._held_lock:
            admitted = len(self._held) < self.max_connections
            if admitted:
                self._held.add(request)
        if not admitted:
            log.warning(
                "%s:%s refused: %d connections already open",
                *client_address[:2],
                self.max_connections,
            )
            with contextlib.suppress(OSError):
                request.sendall(_TOO_MANY)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)  # type: ignore[misc]

    def shutdown_request(self, request: Any) -> None:
        with self._held_lock:
            self._held.discard(request)
        super().shutdown_request(request)  # type: ignore[misc]


class _Server(ConnectionBound, ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = LISTEN_BACKLOG
    # What the handler serves (the API, the catalog, the site), set before serving starts.
    app: Any = None

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[RequestHandler],
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.max_connections = max_connections
        super().__init__(address, handler)
        self.draining = False
        self._connections: dict[socket.socket, bool] = {}  # socket -> a request is in flight
        self._changed = threading.Condition()

    def process_request(self, request: Any, client_address: Any) -> None:
        # Registered on the accepting thread, so a drain that follows shutdown() sees it.
        with self._changed:
            if self.draining:
                self.shutdown_request(request)
                return
            self._connections[request] = False
        super().process_request(request, client_address)

    def begin_request(self, connection: socket.socket) -> bool:
        with self._changed:
            if connection not in self._connections:
                return False
            self._connections[connection] = True
            return True

    def end_request(self, connection: socket.socket) -> bool:
        """The request is answered; True if the connection must close (the server drains)."""
        with self._changed:
            if connection in self._connections:
                self._connections[connection] = False
            return self.draining

    def shutdown_request(self, request: Any) -> None:
        with self._changed:
            self._connections.pop(request, None)
            self._changed.notify_all()
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        log.warning("connection from %s:%s failed: %r", *client_address[:2], error)

    def drain(self, timeout: float) -> int:
        """Close idle connections, wait for busy ones; the number still busy at the timeout."""
        with self._changed:
            self.draining = True
            for connection, busy in list(self._connections.items()):
                if not busy:
                    # An idle keep-alive connection: no request of it can be answered any more.
                    del self._connections[connection]
                    _close_quietly(connection)
            deadline = time.monotonic() + timeout
            while self._connections and (left := deadline - time.monotonic()) > 0:
                self._changed.wait(left)
            return len(self._connections)


def _close_quietly(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class LocalServer:
    """A ``ThreadingHTTPServer`` bound at construction (so a taken port fails early)."""

    def __init__(
        self,
        handler: type[RequestHandler],
        host: str,
        port: int,
        what: str,
        *,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        try:
            self._server = _Server((host, port), handler, max_connections)
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                reason = "in use" if error.errno == errno.EADDRINUSE else "not allowed"
                raise PortInUseError(
                    f"port {port} on {host} is {reason} (wanted for the {what})"
                ) from None
            raise LocalRunnerError(
                f"cannot listen on {host}:{port} for the {what}: {error}"
            ) from None
        self.handler = handler
        self.what = what
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, app: Any) -> None:
        """Serve ``app`` (handlers read it as ``self.server.app``)."""
        self._server.app = app
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.what}-accept",
            daemon=True,
        )
        self._thread.start()

    def stop(self, drain_seconds: float = DRAIN_SECONDS) -> None:
        """Stop accepting, close idle connections, let requests in flight finish (idempotent).

        When this returns, no request of this server can be answered any more.
        """
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        left = self._server.drain(drain_seconds)
        if left:
            log.warning("%s: %d requests still running after %g s", self.what, left, drain_seconds)


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
