"""What a replay did, counted, and the one line that says so."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from clickstream.commands.replaying.keys import FAILED_PREFIX, REPLAYED_PREFIX, UNRECOVERABLE_PREFIX


@dataclass
class Summary:
    objects: int = 0
    moved: int = 0
    clicks: int = 0
    replayed: int = 0
    kept_failing: int = 0
    unreadable: int = 0
    set_apart: Counter[str] = field(default_factory=Counter)  # reason -> clicks
    problems: list[str] = field(default_factory=list)

    def apart(self, *, dry_run: bool) -> str:
        if not self.set_apart:
            return ""
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(self.set_apart.items()))
        verb = "would be" if dry_run else "were"
        return (
            f"; {sum(self.set_apart.values())} clicks that can never succeed ({reasons}) "
            f"{verb} set apart under {UNRECOVERABLE_PREFIX} (--include-unrecoverable sends them)"
        )

    def line(self, stream: str, *, dry_run: bool) -> str:
        if dry_run:
            return (
                f"dry run: {self.clicks} clicks in {self.objects} objects under "
                f"{FAILED_PREFIX} would be replayed into {stream}; {self.unreadable} unreadable "
                "lines" + self.apart(dry_run=True)
            )
        return (
            f"replayed {self.replayed} of {self.clicks} clicks from {self.objects} objects "
            f"into {stream}; {self.moved} objects moved to {REPLAYED_PREFIX}; "
            f"{self.kept_failing} kept failing and {self.unreadable} unreadable lines stay "
            f"under {FAILED_PREFIX}" + self.apart(dry_run=False)
        )
