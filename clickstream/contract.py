"""The click's contract (``lambda/click_enrichment/contract.py``), loaded from the processor's file.

The processor ships that module in its package; the stack, the local runner, the commands and the
tests read the same file through this one, so there is one declaration of every field.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "lambda" / "click_enrichment" / "contract.py"


def _load():
    name = "clickstream._click_contract"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SOURCE)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the click contract from {SOURCE}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_contract = _load()

PROFILE: str = _contract.PROFILE
LIKE: str = _contract.LIKE
ADOPT: str = _contract.ADOPT
EVENTS: tuple[str, ...] = _contract.EVENTS
DEFAULT_EVENT: str = _contract.DEFAULT_EVENT
ANONYMOUS_EVENTS: tuple[str, ...] = _contract.ANONYMOUS_EVENTS
ANONYMOUS_BODY: tuple[str, ...] = _contract.ANONYMOUS_BODY
ANONYMOUS_BODY_REQUIRED: tuple[str, ...] = _contract.ANONYMOUS_BODY_REQUIRED
SIGNED_IN_BODY: tuple[str, ...] = _contract.SIGNED_IN_BODY
SIGNED_IN_BODY_REQUIRED: tuple[str, ...] = _contract.SIGNED_IN_BODY_REQUIRED
SIGNED_IN_PATH: str = _contract.SIGNED_IN_PATH
RECORD_FIELDS: tuple[tuple[str, str], ...] = _contract.RECORD_FIELDS
RECORD_OPTIONAL: tuple[str, ...] = _contract.RECORD_OPTIONAL
ENRICHED_FIELDS: tuple[tuple[str, str], ...] = _contract.ENRICHED_FIELDS
ENRICHED_OPTIONAL: tuple[str, ...] = _contract.ENRICHED_OPTIONAL
KEYED_IDS: tuple[tuple[str, str], ...] = _contract.KEYED_IDS
