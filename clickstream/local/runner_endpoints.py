"""What only the local runner serves, under ``/_local/`` on the site's port: no AWS service has it.

- ``GET /_local/runner.json``: the runner says what it is (``"runner": "clickstream.local"``)
  and where its endpoints are. ``generate.py simulate`` sends visitors only to a runner that
  answers this, so it never sends made-up traffic to a deployed stack, whose site has no such
  file.
- ``GET /_local/outbox/{e-mail}``: the last confirmation code the Cognito stand-in sent to an
  address under the reserved ``.invalid`` top-level domain (RFC 2606: no mailbox can exist
  there), as ``{"email", "code"}``; 404 when none was sent. Codes for any other address stay in
  the runner's log only, where Cognito would e-mail them.
- ``/_local/clock``: the runner's clock (``clock.py``). ``GET``: ``{"now", "rate"}``. ``PUT``
  with ``{"start": epoch ms, "rate": R}`` sets it back to ``start``, running ``R`` times as fast
  until it meets the wall clock; ``DELETE`` makes it the wall clock again. ``generate.py
  simulate`` uses it to show hours of visits in a minute or two.

None answers with CORS headers, so no page of another origin can read them, and a ``PUT`` must
be ``application/json``, which no page of another origin can send without a preflight (which
gets no CORS answer either).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .clock import RunnerClock

__all__ = ["PREFIX", "RUNNER", "RunnerEndpoints", "is_simulated_address"]

PREFIX = "/_local/"
RUNNER = "clickstream.local"
# The top-level domain RFC 2606 reserves for names that can never exist.
SIMULATED_DOMAIN_SUFFIX = ".invalid"


def is_simulated_address(email: str) -> bool:
    """An e-mail address no one can own: its domain is under ``.invalid``."""
    local, at, domain = email.rpartition("@")
    return bool(local and at and domain.lower().endswith(SIMULATED_DOMAIN_SUFFIX))


@dataclass(frozen=True)
class RunnerEndpoints:
    """The runner's ``description``, the Cognito stand-in's codes (``codes``: those sent to an
    address, oldest first) and the runner's ``clock``."""

    description: dict[str, Any]
    codes: Callable[[str], list[str]]
    clock: RunnerClock

    def answer(
        self, method: str, path: str, content_type: str = "", body: bytes = b""
    ) -> tuple[int, Any]:
        """(status, JSON value) for a request of ``path`` under ``PREFIX``."""
        name = path.removeprefix(PREFIX)
        if name == "clock":
            return self._clock(method, content_type, body)
        if method not in ("GET", "HEAD"):
            return 405, {"message": "Method Not Allowed"}
        if name == "runner.json":
            return 200, {"runner": RUNNER, **self.description}
        if name.startswith("outbox/"):
            email = unquote(name.removeprefix("outbox/"))
            if not is_simulated_address(email):
                return 403, {"message": "codes are given out only for addresses under .invalid"}
            sent = self.codes(email)
            if not sent:
                return 404, {"message": f"no confirmation code was sent to {email}"}
            return 200, {"email": email, "code": sent[-1]}
        return 404, {"message": "Not Found"}

    def _clock(self, method: str, content_type: str, body: bytes) -> tuple[int, Any]:
        if method == "DELETE":
            self.clock.reset()
        elif method == "PUT":
            if content_type.split(";")[0].strip().lower() != "application/json":
                return 415, {"message": "send the clock as application/json"}
            try:
                value = json.loads(body)
                start, rate = value["start"], value["rate"]
                if not all(type(n) in (int, float) for n in (start, rate)):
                    raise TypeError
                self.clock.travel(start / 1000, float(rate))
            except (ValueError, KeyError, TypeError) as error:
                reason = str(error) if isinstance(error, ValueError) else ""
                return 400, {
                    "message": reason or 'send {"start": epoch milliseconds, "rate": a number}'
                }
        elif method not in ("GET", "HEAD"):
            return 405, {"message": "Method Not Allowed"}
        return 200, self.clock.state()
