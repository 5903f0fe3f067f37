"""The site page's Content-Security-Policy: one declaration, delivered two ways.

Every HTML page in ``web/`` carries the policy in ``<meta http-equiv="Content-Security-Policy">``,
written by ``generate.py web-config`` for the deployed origins, so the page is protected wherever
it is published. The local runner sends the same policy as a header too. A meta tag cannot carry
``frame-ancestors``, ``report-uri`` or ``sandbox`` (CSP Level 3, "Delivery via meta"): those, and
the other security headers, come from the HTTPS front (CloudFront's response headers policy).

Trusted Types: no page script writes HTML or script into the DOM (text goes in with
``textContent``, elements are cloned from ``<template>``; the vendored Cognito library has no such
sink), so ``require-trusted-types-for 'script'`` with ``trusted-types 'none'``: every sink refuses
a string and no policy may be created to get round it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

__all__ = [
    "HEADER_ONLY",
    "SECURITY_HEADERS",
    "header_policy",
    "meta_policy",
    "origin",
    "page_origins",
    "site_policy",
    "with_meta_policy",
]

# Directives a <meta> policy ignores; they must come as a header.
HEADER_ONLY = ("frame-ancestors", "report-uri", "sandbox")

# Headers a meta tag cannot set, sent with every file (locally by the runner, on AWS by CloudFront).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

Policy = Mapping[str, tuple[str, ...]]

# A CSP host-source: a name or an IPv4 address, and a port (CSP Level 3, "host-source").
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?")
_META = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(">)')


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL; ValueError when a policy could not name it."""
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(netloc):
        raise ValueError(f"a Content-Security-Policy cannot name the origin of {url!r}")
    return f"{parts.scheme}://{netloc}"


def site_policy(connect: Iterable[str], images: Iterable[str] = ()) -> dict[str, tuple[str, ...]]:
    """The page's policy, for the origins it calls (``connect``) and loads pictures from
    besides ``'self'`` and any ``https:`` one (``images``: locally the stand-in's ``http:``)."""
    return {
        "default-src": ("'none'",),
        "script-src": ("'self'",),
        "style-src": ("'self'",),
        "img-src": ("'self'", "https:", *dict.fromkeys(images)),
        "connect-src": tuple(dict.fromkeys(connect)) or ("'none'",),
        "base-uri": ("'none'",),
        "form-action": ("'none'",),
        "frame-ancestors": ("'none'",),
        "require-trusted-types-for": ("'script'",),
        "trusted-types": ("'none'",),
    }


def _text(policy: Policy, *, leave_out: Iterable[str] = ()) -> str:
    skipped = set(leave_out)
    return "; ".join(
        f"{name} {' '.join(values)}" for name, values in policy.items() if name not in skipped
    )


def header_policy(policy: Policy) -> str:
    """The policy as a ``Content-Security-Policy`` header value: every directive."""
    return _text(policy)


def meta_policy(policy: Policy) -> str:
    """The policy as a meta tag's ``content``: every directive a meta tag can carry."""
    return _text(policy, leave_out=HEADER_ONLY)


def page_origins(
    mysfits_api: str, streaming_api: str, cognito_api: str = ""
) -> tuple[list[str], list[str]]:
    """(connect, images) for the endpoints in config.js; empty endpoints are left out.

    The Mysfits API serves the pictures; over ``http:`` (locally) its origin joins ``https:``."""
    connect = [origin(url) for url in (streaming_api, mysfits_api, cognito_api) if url]
    images = [origin(mysfits_api)] if mysfits_api.startswith("http:") else []
    return connect, images


def with_meta_policy(html: str, policy: Policy, page: str | Path = "page") -> str:
    """``html`` with its one CSP meta tag set to ``policy``; ValueError if it has none or two."""
    found = _META.findall(html)
    if len(found) != 1:
        raise ValueError(
            f'{page} needs exactly one <meta http-equiv="Content-Security-Policy" content="…">, '
            f"found {len(found)}"
        )
    return _META.sub(lambda m: m.group(1) + meta_policy(policy) + m.group(3), html)
