"""The parts of ``generate.py replay`` (the command itself, its arguments and ``main``, is
``clickstream/commands/replay.py``): where the failure objects are (``storage``), where each
one goes (``keys``), what they hold (``failures``), how clicks go back into the stream
(``sending``), the pass over the objects (``engine``) and the line it ends with (``summary``).
"""

from __future__ import annotations

from clickstream.cli import CommandError


class ReplayError(CommandError):
    """Why the replay cannot go on; one line, meant for the person running it."""
