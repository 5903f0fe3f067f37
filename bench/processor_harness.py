"""What the processor's benchmarks share: the processor loaded as Lambda loads it, against a
Mysfits API, with its log and what it prints kept off the terminal."""

from __future__ import annotations

import importlib
import io
import os
from types import ModuleType


def load_processor(mysfits_api_url: str) -> tuple[ModuleType, io.StringIO]:
    """The processor module, configured for ``mysfits_api_url``, and the buffer its log goes to
    (redirect stdout there too while it runs)."""
    os.environ.update(
        MYSFITS_API_URL=mysfits_api_url,
        POWERTOOLS_SERVICE_NAME="clickstream-processor",
        POWERTOOLS_METRICS_NAMESPACE="MysfitsClickStream",
    )
    quiet = io.StringIO()
    processor = importlib.import_module("processor")
    processor.logger.registered_handler.setStream(quiet)
    return processor, quiet
