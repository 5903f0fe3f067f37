"""What only the local runner serves, under ``/_local/`` on the site's port: no AWS service has it.

- ``GET /_local/runner.json``: the runner says what it is (``"runner": "clickstream.local"``)
  and where its endpoints are. ``generate.py simulate`` sends visitors only to a runner that
  answers this, so it never sends made-up traffic to a deployed stack, whose site has no such
  file.
- ``GET /_local/outbox/{e-mail}``: the last confirmation code the Cognito stand-in sent to an
  address under the reserved ``.invalid`` top-level domain (RFC 2606: no mailbox can exist
  there), as ``{"email", "code"}``; 404 when none was sent. Codes for any other address stay in
  the runner's log only, where Cognito would e-mail them.

Both answer without CORS headers, so no page of another origin can read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

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
    """The runner's description (``describe()``) and the Cognito stand-in's codes (``codes``:
    the codes sent to an address, oldest first)."""

    description: dict[str, Any]
    codes: Callable[[str], list[str]]

    def answer(self, path: str) -> tuple[int, Any]:
        """(status, JSON value) for a GET of ``path`` under ``PREFIX``."""
        name = path.removeprefix(PREFIX)
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
