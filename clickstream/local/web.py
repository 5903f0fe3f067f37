"""The site from ``web/``, with ``/config.js`` pointing at the local endpoints and user pool, and
the runner's own endpoints under ``/_local/`` (``runner_endpoints.py``).

Each HTML page is served with its meta policy written for the local origins, as ``generate.py
web-config`` writes it for the deployed ones; the same policy also comes as a header (with
``csp_header``), with what only a header can carry (``frame-ancestors``).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from clickstream.commands.sitepolicy import (
    SECURITY_HEADERS,
    header_policy,
    page_origins,
    site_policy,
    with_meta_policy,
)
from clickstream.commands.webconfig import CognitoSettings, render_config_js
from clickstream.http.servers import RequestHandler, json_response

from .runner_endpoints import PREFIX, RunnerEndpoints

__all__ = ["Site", "WebHandler", "content_type"]

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class Site:
    """Static files under ``root``; ``/config.js`` is rendered for the two endpoints instead."""

    root: Path
    mysfits_api_endpoint: str
    streaming_api_endpoint: str
    cognito: CognitoSettings | None = None
    csp_header: bool = True
    signed_in_clicks: bool = False
    runner: RunnerEndpoints | None = None

    def config_js(self) -> str:
        return render_config_js(
            self.mysfits_api_endpoint,
            self.streaming_api_endpoint,
            self.cognito,
            signed_in_clicks=self.signed_in_clicks,
        )

    def policy(self) -> dict[str, tuple[str, ...]]:
        connect, images = page_origins(
            self.mysfits_api_endpoint,
            self.streaming_api_endpoint,
            self.cognito.api_url if self.cognito else "",
        )
        return site_policy(connect, images)

    def page(self, path: Path) -> bytes:
        """An HTML page with its meta policy for these origins."""
        html = path.read_text(encoding="utf-8")
        return with_meta_policy(html, self.policy(), path.name).encode("utf-8")

    def security_headers(self) -> dict[str, str]:
        """Served with every file: what a meta tag cannot set, and the policy again."""
        headers = dict(SECURITY_HEADERS)
        if self.csp_header:
            headers["Content-Security-Policy"] = header_policy(self.policy())
        return headers


class WebHandler(RequestHandler):
    """Serves the ``Site`` its server was started with."""

    label = "web"

    def respond(self, method, path, query, body):  # type: ignore[override]
        site: Site = self.server.app
        headers = {"Cache-Control": "no-store", **site.security_headers()}
        if path.startswith(PREFIX) and site.runner is not None:
            sent_as = self.headers.get("Content-Type") or ""
            status, value = site.runner.answer(method, path, sent_as, body)
            return json_response(status, value, headers)
        if method not in ("GET", "HEAD"):
            return json_response(
                405,
                {"message": "Method Not Allowed"},
                {"Allow": "GET, HEAD", **site.security_headers()},
            )
        if path == "/config.js":
            return 200, {"Content-Type": _TYPES[".js"], **headers}, site.config_js().encode()
        root = site.root.resolve()
        try:
            # A name the file system refuses (a NUL, a name too long) names no file of the site.
            target = (root / (unquote(path).lstrip("/") or "index.html")).resolve()
            if target.is_dir():
                target = target / "index.html"
            found = target.is_relative_to(root) and target.is_file()
        except (OSError, ValueError):
            found = False
        if not found:
            return 404, {"Content-Type": "text/plain; charset=utf-8", **headers}, b"Not Found\n"
        body = site.page(target) if target.suffix == ".html" else target.read_bytes()
        return 200, {"Content-Type": content_type(target), **headers}, body
