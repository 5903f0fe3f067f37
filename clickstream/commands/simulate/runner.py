"""Finding the local runner, and refusing anything else: made-up visitors must never reach a
deployed stack by mistake.

The runner is recognised by what only it serves: ``/_local/runner.json`` on its site's port
(``clickstream/local/runner_endpoints.py``), which names the runner and its endpoints. Before
anything is sent, every address involved must be this machine's loopback (``127.0.0.0/8``,
``::1`` or ``localhost``), where the runner listens; a site elsewhere is not asked anything.
``--runner-not-on-this-machine`` lifts the loopback rule only (a runner reached through a
forwarded port): the endpoints still come from a runner's own description, which no deployed
site has.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from clickstream.cli import CommandError

from .wire import http_request

RUNNER = "clickstream.local"
DESCRIPTION_PATH = "_local/runner.json"
OUTBOX_PATH = "_local/outbox/"
OVERRIDE_FLAG = "--runner-not-on-this-machine"


class NotTheLocalRunner(CommandError):
    """The endpoint is not the local runner's (or not on this machine): nothing was sent."""


def is_loopback(url: str) -> bool:
    """True for an http URL whose host is this machine's loopback: 127.0.0.0/8, ::1, localhost."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class LocalRunner:
    """The runner's endpoints, as it describes them."""

    site: str
    clicks_api: str
    mysfits_api: str
    cognito_endpoint: str
    user_pool_id: str
    client_id: str
    signed_in_clicks: bool
    clicks_per_second: float | None
    bucket_dir: str

    @property
    def outbox(self) -> str:
        return self.site + OUTBOX_PATH

    @property
    def origin(self) -> str:
        parts = urlsplit(self.site)
        return f"{parts.scheme}://{parts.netloc}"


def find_runner(site: str, *, any_address: bool = False) -> LocalRunner:
    """The runner whose site is ``site``; NotTheLocalRunner (one line) for anything else."""
    site = site.rstrip("/") + "/"
    if urlsplit(site).scheme not in ("http", "https") or not urlsplit(site).hostname:
        raise NotTheLocalRunner(f"--site {site} is not an http:// URL")
    if not any_address and not is_loopback(site):
        raise NotTheLocalRunner(
            f"{site} is not on this machine: simulate sends made-up visitors to the local "
            f"runner only (generate.py local serves 127.0.0.1); {OVERRIDE_FLAG} "
            "reaches a runner through another address"
        )
    url = site + DESCRIPTION_PATH
    try:
        status, _, body = http_request("GET", url, timeout=10)
    except OSError as error:
        raise NotTheLocalRunner(
            f"no local runner answers at {site} ({error}): start it with `make run` "
            "(or generate.py local), or give its site's URL with --site"
        ) from None
    description = _description(body) if status == 200 else None
    if description is None or description.get("runner") != RUNNER:
        raise NotTheLocalRunner(
            f"{site} does not answer like the local runner (GET {url}: {status}); "
            "simulate sends made-up visitors to the local runner only"
        )
    runner = _runner(description, site)
    if not any_address:
        for name, endpoint in (
            ("clicks API", runner.clicks_api),
            ("Mysfits API", runner.mysfits_api),
            ("Cognito endpoint", runner.cognito_endpoint),
        ):
            if endpoint and not is_loopback(endpoint):
                raise NotTheLocalRunner(
                    f"the runner at {site} names a {name} that is not on this machine "
                    f"({endpoint}); simulate sends made-up visitors to the local runner only"
                )
    return runner


def _description(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _runner(description: dict[str, Any], site: str) -> LocalRunner:
    def text(key: str) -> str:
        value = description.get(key, "")
        if not isinstance(value, str):
            raise NotTheLocalRunner(f"the runner at {site} describes {key} as {value!r}")
        return value

    rate = description.get("clicksPerSecond")
    clicks_api = text("streamingApiEndpoint").rstrip("/")
    mysfits_api = text("mysfitsApiEndpoint").rstrip("/")
    if not clicks_api or not mysfits_api:
        raise NotTheLocalRunner(f"the runner at {site} names no clicks API or no Mysfits API")
    return LocalRunner(
        site=site,
        clicks_api=clicks_api,
        mysfits_api=mysfits_api,
        cognito_endpoint=text("cognitoEndpoint"),
        user_pool_id=text("cognitoUserPoolId"),
        client_id=text("cognitoUserPoolClientId"),
        signed_in_clicks=description.get("signedInClicks") is True,
        clicks_per_second=float(rate) if isinstance(rate, int | float) and rate > 0 else None,
        bucket_dir=text("bucketDir"),
    )


CLOCK_PATH = "_local/clock"


def set_clock(runner: LocalRunner, start_ms: int, rate: float) -> None:
    """Set the runner's clock back to ``start_ms``, running ``rate`` times as fast until it
    meets the wall clock (``clickstream/local/clock.py``)."""
    body = json.dumps({"start": start_ms, "rate": rate}).encode()
    try:
        status, _, answer = http_request(
            "PUT", runner.site + CLOCK_PATH, body, {"Content-Type": "application/json"}
        )
    except OSError as error:
        raise CommandError(f"the runner's clock did not answer: {error}") from None
    if status != 200:
        reason = answer[:200].decode(errors="replace")
        raise CommandError(f"the runner refused to set its clock ({status}: {reason})")


def reset_clock(runner: LocalRunner) -> None:
    """The runner's clock is the wall clock again (a travel left on ends by itself anyway)."""
    with contextlib.suppress(OSError):
        http_request("DELETE", runner.site + CLOCK_PATH)
