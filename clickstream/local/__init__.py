"""Run the click-streaming stack on this machine, from the generated CloudFormation template.

``LocalPipeline`` serves the clicks API (as API Gateway would run it from the template), the
delivery stream with its Lambda processor, a small Mysfits API and the site; ``generate.py
local`` (or ``python -m clickstream.local``) does the same from the command line.

The names below are imported when first used, so that ``python -m clickstream.local`` starts
on the standard library alone and can say in one line which package is missing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cloudformation import LocalRunnerError, TemplateError
    from .pipeline import LocalPipeline

__all__ = ["LocalPipeline", "LocalRunnerError", "TemplateError"]

_MODULES = {
    "LocalPipeline": ".pipeline",
    "LocalRunnerError": ".cloudformation",
    "TemplateError": ".cloudformation",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_MODULES[name], __name__), name)
