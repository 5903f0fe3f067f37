"""The site from ``web/``, with ``/config.js`` pointing at the local endpoints and user pool."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from clickstream.commands.webconfig import CognitoSettings, render_config_js

from .servers import RequestHandler, json_response

__all__ = ["Site", "WebHandler", "content_security_policy", "content_type"]

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


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(connect: list[str], images: tuple[str, ...] = ()) -> str:
    """The policy the README tells users to deploy, for the API origins the page talks to.

    ``images``: origins the page loads pictures from besides ``'self'`` and any ``https:`` one
    (locally the Mysfits stand-in serves them over http).
    """
    directives = {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", *images],
        "connect-src": list(connect),
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


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
    signed_in_clicks: bool = False

    def config_js(self) -> str:
        return render_config_js(
            self.mysfits_api_endpoint,
            self.streaming_api_endpoint,
            self.cognito,
            signed_in_clicks=self.signed_in_clicks,
        )

    def security_headers(self) -> dict[str, str]:
        """Served with every file: the page proves it works under the policy users deploy."""
        mysfits = origin(self.mysfits_api_endpoint)
        apis = [origin(self.streaming_api_endpoint), mysfits]
        if self.cognito is not None and self.cognito.endpoint:
            apis.append(origin(self.cognito.endpoint))
        # The Mysfits API serves the pictures; locally over http, which "https:" does not allow.
        images = () if mysfits.startswith("https:") else (mysfits,)
        return {
            "Content-Security-Policy": content_security_policy(apis, images),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin",
        }


class WebHandler(RequestHandler):
    """Serves the ``Site`` its server was started with."""

    label = "web"

    def respond(self, method, path, query, body):  # type: ignore[override]
        site: Site = self.server.app
        if method not in ("GET", "HEAD"):
            return json_response(
                405,
                {"message": "Method Not Allowed"},
                {"Allow": "GET, HEAD", **site.security_headers()},
            )
        headers = {"Cache-Control": "no-store", **site.security_headers()}
        if path == "/config.js":
            return 200, {"Content-Type": _TYPES[".js"], **headers}, site.config_js().encode()
        root = site.root.resolve()
        target = (root / (unquote(path).lstrip("/") or "index.html")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            return 404, {"Content-Type": "text/plain; charset=utf-8", **headers}, b"Not Found\n"
        return 200, {"Content-Type": content_type(target), **headers}, target.read_bytes()
