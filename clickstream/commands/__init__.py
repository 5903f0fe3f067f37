"""Commands that act on a built or deployed stack, each a module with its own ``main(argv)``.

``generate.py COMMAND …`` finds the module here by the command's name in ``COMMANDS``; each one
reports usage errors in the shared one-line style of ``clickstream.cli``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

# command name -> (module under clickstream.commands, one line for generate.py --help)
COMMANDS: dict[str, tuple[str, str]] = {
    "package": ("package", "build the processor's deployment zip into dist/"),
    "web-config": ("webconfig", "write web/config.js from a deployed stack's outputs"),
    "replay": ("replay", "put the clicks kept under errors/ back into the delivery stream"),
    "report": ("report", "answer the clicks questions over a local bucket or on Athena"),
    "simulate": ("simulate", "send made-up visitors through the running local runner"),
}


def entry_point(command: str) -> Callable[[list[str]], int] | None:
    """The ``main`` of the named command, or None when there is no such command."""
    if command not in COMMANDS:
        return None
    module = importlib.import_module(f"{__name__}.{COMMANDS[command][0]}")
    return module.main
