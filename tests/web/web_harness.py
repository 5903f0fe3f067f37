"""Real servers and a browser harness for the site page's tests.

The page comes from one origin (SiteServer), the Mysfits API from a second (MysfitsApiServer) and
the streaming API from a third (StreamingApiServer), so the browser does real CORS, including the
preflight of the click's PUT. The site is served under its Content-Security-Policy, and every CSP
violation the page reports is one of the problems a test sees.
"""

from __future__ import annotations

import json
import mimetypes
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema

from clickstream.api.models import click_schema
from clickstream.commands.webconfig import CognitoSettings, render_config_js
from clickstream.local.web import Site
from clickstream.standins.mysfits import CATALOG as STANDIN_CATALOG
from clickstream.standins.mysfits import MysfitsService

REPO = Path(__file__).resolve().parents[2]
WEB_DIR = REPO / "web"
ARTIFACTS = REPO / "test-artifacts"
CATALOG = {"mysfits": STANDIN_CATALOG}

# Debian's chromium package; CHROMIUM_PATH points elsewhere. Nothing downloads a browser.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The streaming API's request model: the Click model the template gives API Gateway.
CLICK_SCHEMA = click_schema()
CLICK_VALIDATOR = jsonschema.Draft4Validator(CLICK_SCHEMA)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def wait_until(condition: Callable[[], object], timeout: float = 5.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def delivered_records(pipeline, count: int) -> list[dict]:
    """At least `count` clicks delivered to a LocalPipeline's bucket (flushing while waiting)."""

    def delivered():
        pipeline.flush()
        records = pipeline.delivered_records()
        return records if len(records) >= count else None

    return wait_until(delivered, timeout=10, what=f"{count} clicks delivered to the bucket")


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 with a free port, run on a thread, stopped on exit."""

    handler: type[BaseHTTPRequestHandler]

    def __enter__(self):
        server = self

        class Handler(self.handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, data: object, headers: dict[str, str]) -> None:
        self.send(status, json.dumps(data).encode(), "application/json", headers)


# The Mysfits API ------------------------------------------------------------------------------


class _MysfitsHandler(_QuietHandler):
    owner: MysfitsApiServer

    def _answer(self):
        api = self.owner
        parts = urlsplit(self.path)
        api.requests.append(self.path)
        if api.fail_next:
            self.send_json(api.fail_next.popleft(), {"message": "Internal server error"}, _ANY)
            return
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        status, headers, body = api.service.handle(
            self.command, parts.path, query, self.headers.get("Authorization")
        )
        content_type = headers.pop("Content-Type", "application/octet-stream")
        self.send(status, body, content_type, headers)

    do_GET = do_HEAD = do_POST = do_OPTIONS = _answer


_ANY = {"Access-Control-Allow-Origin": "*"}


class MysfitsApiServer(_Server):
    """The workshop's Mysfits API (the shared stand-in), images served locally."""

    handler = _MysfitsHandler

    def __enter__(self):
        super().__enter__()
        self.requests: list[str] = []
        self.fail_next: deque[int] = deque()
        self.service = MysfitsService(self.url)
        return self


# The streaming API ----------------------------------------------------------------------------


@dataclass
class Attempt:
    at: float
    body: object
    content_type: str
    status: int


class _StreamingHandler(_QuietHandler):
    owner: StreamingApiServer

    def cors(self) -> dict[str, str]:
        if self.headers.get("Origin") != self.owner.allowed_origin:
            return {}
        return {"Access-Control-Allow-Origin": self.owner.allowed_origin, "Vary": "Origin"}

    def do_OPTIONS(self):
        self.owner.preflights.append(self.headers.get("Access-Control-Request-Method", ""))
        headers = {
            **self.cors(),
            "Access-Control-Allow-Methods": "PUT,OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
        }
        self.send(200, b"{}", "application/json", headers)

    def do_PUT(self):
        api = self.owner
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        content_type = self.headers.get("Content-Type", "")
        try:
            body: object = json.loads(raw)
        except ValueError:
            body = raw
        if urlsplit(self.path).path != api.clicks_path:
            status = 404
        elif not content_type.startswith("application/json") or not CLICK_VALIDATOR.is_valid(body):
            status = 400
        else:
            status = api.next_answer(body["mysfitId"])
        with api.lock:
            api.attempts.append(Attempt(time.monotonic(), body, content_type, status))
        if api.delay:
            time.sleep(api.delay)
        reply = {"status": "OK"} if status == 200 else {"message": f"HTTP {status}"}
        self.send_json(status, reply, self.cors())


class StreamingApiServer(_Server):
    """PUT /prod/clicks: answers the statuses queued in `answers` (then 200), counts attempts."""

    handler = _StreamingHandler

    def __init__(self, allowed_origin: str = "", *, delay: float = 0.0):
        self.allowed_origin = allowed_origin
        self.delay = delay
        self.answers: deque[int] = deque()
        self.answers_for: dict[str, deque[int]] = {}
        self.attempts: list[Attempt] = []
        self.preflights: list[str] = []
        self.lock = threading.Lock()
        self.clicks_path = "/prod/clicks"

    def __enter__(self):
        super().__enter__()
        self.endpoint = f"{self.url}/prod"
        return self

    def fail(self, mysfit_id: str, *statuses: int) -> None:
        """Answer the next clicks on this mysfit with these statuses, before any in `answers`."""
        self.answers_for.setdefault(mysfit_id, deque()).extend(statuses)

    def next_answer(self, mysfit_id: str) -> int:
        with self.lock:
            for queue in (self.answers_for.get(mysfit_id), self.answers):
                if queue:
                    return queue.popleft()
            return 200

    def bodies(self) -> list[object]:
        with self.lock:
            return [a.body for a in self.attempts]

    def wait_for_attempts(self, count: int, timeout: float = 5.0) -> list[Attempt]:
        wait_until(lambda: len(self.attempts) >= count, timeout, f"{count} click attempts")
        with self.lock:
            return list(self.attempts)


class RefusingEndpoint:
    """A port that accepts connections and drops them unanswered: the streaming API is down."""

    def __enter__(self):
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self.endpoint = f"http://127.0.0.1:{self._socket.getsockname()[1]}/prod"
        return self

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


# The site -------------------------------------------------------------------------------------


class _SiteHandler(_QuietHandler):
    owner: SiteServer

    def do_GET(self):
        site = self.owner
        path = urlsplit(self.path).path
        headers = site.site.security_headers()
        if path == "/":
            path = "/index.html"
        if path == "/config.js" and site.config_js is not None:
            self.send(200, site.config_js.encode(), "text/javascript", headers)
            return
        if path == "/elsewhere.html":
            self.send(
                200,
                b"<!doctype html><title>Elsewhere</title><p>Elsewhere</p>",
                "text/html",
                headers,
            )
            return
        file = (WEB_DIR / path.lstrip("/")).resolve()
        if WEB_DIR not in file.parents or not file.is_file():
            self.send(404, b"not found", "text/plain", headers)
            return
        content_type = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}.get(
            file.suffix, mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        )
        body = site.site.page(file) if file.suffix == ".html" else file.read_bytes()
        self.send(200, body, f"{content_type}; charset=utf-8", headers)

    do_HEAD = do_GET


class SiteServer(_Server):
    """Serves web/ with /config.js rendered for the given endpoints, each page with its meta
    policy for them (as web-config writes it) and, unless ``csp_header`` is false, the same policy
    as a header (as the local runner sends it).

    With config_js=None the committed web/config.js is served as it is.
    """

    handler = _SiteHandler

    def __init__(
        self,
        mysfits_api: str | None,
        streaming_api: str | None,
        cognito: CognitoSettings | None = None,
        *,
        csp_header: bool = True,
    ):
        self.config_js = (
            None
            if mysfits_api is None
            else render_config_js(mysfits_api, streaming_api or "", cognito)
        )
        self.site = Site(WEB_DIR, mysfits_api or "", streaming_api or "", cognito, csp_header)


# The browser ----------------------------------------------------------------------------------

# Run in every page before its own scripts: each Content-Security-Policy violation the page
# reports becomes a console error, which Observed.problems() counts.
CSP_VIOLATION = "securitypolicyviolation"
CSP_LISTENER = f"""
document.addEventListener("{CSP_VIOLATION}", (event) => {{
  console.error(`{CSP_VIOLATION}: ${{event.effectiveDirective}} blocked ${{event.blockedURI}}`
    + ` (${{event.sourceFile}}:${{event.lineNumber}})`);
}});
"""


@dataclass
class Observed:
    """What the page said on its console and what it threw."""

    console: list[tuple[str, str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [text for _, text, _ in self.console if text.startswith(CSP_VIOLATION)]

    def problems(self, failed_loads_allowed_for: str | None = None) -> list[str]:
        """Console errors and warnings, and uncaught errors; the browser's own "Failed to load
        resource" line for a request to `failed_loads_allowed_for` is expected, not a problem."""
        found = [f"pageerror: {e}" for e in self.page_errors]
        for kind, text, url in self.console:
            if kind not in ("error", "warning"):
                continue
            if (
                failed_loads_allowed_for
                and text.startswith("Failed to load resource")
                and url.startswith(failed_loads_allowed_for)
            ):
                continue
            found.append(f"console.{kind}: {text} ({url})")
        return found
