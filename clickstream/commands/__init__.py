"""Commands that act on a built or deployed stack, each a module with its own ``main(argv)`` and
``argument_parser()`` (what ``generate.py COMMAND --help`` shows).

``generate.py COMMAND …`` finds the module here by the command's name in ``COMMANDS`` and lists
each with its one line in ``generate.py --help``; each one reports usage errors in the shared
one-line style of ``clickstream.cli``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# command name -> (module under clickstream.commands, one line for generate.py --help)
COMMANDS: dict[str, tuple[str, str]] = {
    "package": ("package", "build the processor's deployment zip into dist/"),
    "web-config": ("webconfig", "write web/config.js from a deployed stack's outputs"),
    "report": ("report", "answer the clicks questions over a local bucket or on Athena"),
    "replay": ("replay", "put the clicks kept under errors/ back into the delivery stream"),
    "simulate": ("simulate", "send made-up visitors through the running local runner"),
}


def command_module(command: str) -> ModuleType:
    """The module of the named command (KeyError when there is no such command)."""
    return importlib.import_module(f"{__name__}.{COMMANDS[command][0]}")
