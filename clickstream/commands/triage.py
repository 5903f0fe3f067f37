"""Which failed clicks can never succeed: the processor's own rules, and the Mysfits API's catalog.

``generate.py replay`` sets those apart instead of sending them on every run. The rules are the
processor's (its pure modules in ``lambda/click_enrichment/``), not a copy of them.
"""

from __future__ import annotations

import importlib
import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Firehose's errorCode for a record the processor answered ProcessingFailed.
PROCESSING_FAILED_STATUS = "Lambda.ProcessingFailedStatus"
CATALOG_TIMEOUT_SECONDS = 10.0
LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"


def processor_module(name: str) -> Any:
    """A pure module of the processor's package (``records``, ``profiles``): the one place that
    says which clicks it refuses and how it reads the Mysfits API's catalog."""
    if str(LAMBDA_DIR) not in sys.path:
        sys.path.append(str(LAMBDA_DIR))
    return importlib.import_module(f"click_enrichment.{name}")


@dataclass(frozen=True)
class Triage:
    """Which failed clicks can never succeed: the processor's own rules, and the Mysfits API's
    catalog (``known``: its mysfit ids; None when it could not be read, ``unchecked`` says why)."""

    known: frozenset[str] | None = None
    unchecked: str = "no Mysfits API given"

    def reason(self, record: dict[str, Any]) -> str | None:
        """The processor's reason a failed click will fail again, or None if it may succeed."""
        if record.get("errorCode") != PROCESSING_FAILED_STATUS:
            return None  # the whole batch failed (function error, timeout, throttle …)
        records = processor_module("records")
        try:
            click = records.decode_click(record.get("rawData"), record.get("arrivalTimestamp"))
        except records.InvalidRecord as invalid:
            return invalid.reason
        except Exception:  # the processor's own bug (unreadable_record): fixable, send it
            return None
        if self.known is not None and click.mysfit_id not in self.known:
            return records.UNKNOWN_MYSFIT
        return None


def read_catalog(api_url: str, timeout: float = CATALOG_TIMEOUT_SECONDS) -> Triage:
    """The Mysfits API's catalog (``GET /mysfits``, as the processor reads it): which mysfit ids
    exist. When it cannot be read, no click is judged by its mysfit."""
    url = api_url.rstrip("/") + "/mysfits"
    if not url.startswith(("http://", "https://")):
        return Triage(None, f"{api_url!r} is not an http:// or https:// URL")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            body = json.loads(answer.read())
    except (OSError, ValueError, RecursionError) as error:
        return Triage(None, f"cannot read {url}: {error}")
    profiles = processor_module("profiles").profiles_from_catalog(body)
    if profiles is None:
        return Triage(None, f"{url} did not answer with the mysfits catalog")
    return Triage(frozenset(profiles))
