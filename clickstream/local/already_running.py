"""Whether a port the runner wants is held by another local runner (one started earlier and
left running), so that its refusal can say so instead of only "in use".

A runner is recognised by what only it serves: ``GET /_local/runner.json`` on its site's port
(``runner_endpoints.py``) names the runner and the endpoints it serves. The port is held by a
runner when that site is on the port itself, or when the site's description names the port for
one of its endpoints (its clicks API, Mysfits API or Cognito stand-in). Standard library only,
and only 127.0.0.1-style addresses are asked, each with a short timeout.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from .runner_endpoints import PREFIX, RUNNER

__all__ = ["runner_holding"]

DESCRIPTION_PATH = PREFIX + "runner.json"
ASK_TIMEOUT_SECONDS = 1.0
# Where the description names its endpoints (every one a URL).
_ENDPOINTS = ("site", "streamingApiEndpoint", "mysfitsApiEndpoint", "cognitoEndpoint")


def _description(host: str, port: int) -> dict | None:
    """The runner's description on ``host:port``, or None when nothing there answers like it."""
    connection = http.client.HTTPConnection(host, port, timeout=ASK_TIMEOUT_SECONDS)
    try:
        connection.request("GET", DESCRIPTION_PATH)
        response = connection.getresponse()
        body = response.read(64 * 1024)
        if response.status != 200:
            return None
        value = json.loads(body)
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()
    if not isinstance(value, dict) or value.get("runner") != RUNNER:
        return None
    return value


def _port_of(url: object) -> int | None:
    try:
        return urlsplit(str(url)).port
    except ValueError:
        return None


def runner_holding(host: str, port: int, sites: Iterable[int]) -> int | None:
    """The site port of the local runner that holds ``port`` on ``host``, or None.

    ``sites`` are the site ports to ask besides ``port`` itself (the one this runner wanted and
    the default one): a runner that holds ``port`` for its clicks API has its site elsewhere.
    """
    for site in dict.fromkeys([port, *sites]):
        if site <= 0:
            continue
        description = _description(host, site)
        if description is None:
            continue
        if site == port or port in {_port_of(description.get(key)) for key in _ENDPOINTS}:
            return site
    return None
