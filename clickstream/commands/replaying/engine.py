"""The replay itself: each selected failure object read, its clicks judged, sent, and the
object moved (whole or in parts) to where its lines belong."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from datetime import date

from clickstream.commands.replaying.failures import FailureObject, ObjectTooLarge
from clickstream.commands.replaying.keys import replayed_key, selected_keys, unrecoverable_key
from clickstream.commands.replaying.sending import Sender
from clickstream.commands.replaying.storage import Storage
from clickstream.commands.replaying.summary import Summary
from clickstream.commands.triage import Triage

# Unreadable lines named one by one in the problems, at most this many an object.
MAX_LINES_NAMED = 5

PROGRESS_EVERY_SECONDS = 2.0


def replay(
    storage: Storage,
    sender: Sender,
    *,
    since: date | None = None,
    until: date | None = None,
    dry_run: bool = False,
    triage: Triage | None = None,
    include_unrecoverable: bool = False,
    progress: Callable[[str], None] = lambda text: None,
    clock: Callable[[], float] = time.monotonic,
) -> Summary:
    """Replay the failed clicks; ``triage`` (default: the processor's rules alone) sets apart
    the ones that can never succeed, unless ``include_unrecoverable``."""
    triage = triage or Triage()
    keys = selected_keys(storage, since, until, include_unrecoverable=include_unrecoverable)
    summary = Summary(objects=len(keys))
    last = clock()
    for done, key in enumerate(keys, 1):
        try:
            failure = FailureObject.parse(key, storage.read(key))
        except (OSError, EOFError, zlib.error, ObjectTooLarge) as error:
            summary.unreadable += 1
            summary.problems.append(f"{key} cannot be read ({error}); it stays")
            continue
        apart: dict[str, list[int]] = {}
        readable = []
        for index, click in enumerate(failure.clicks):
            record = failure.records[index]
            if click is None or record is None:
                continue
            reason = None if include_unrecoverable else triage.reason(record)
            if reason is None:
                readable.append(index)
            else:
                apart.setdefault(reason, []).append(index)
        unreadable = sorted(failure.why)
        summary.clicks += len(readable)
        summary.unreadable += len(unreadable)
        for reason, indexes in apart.items():
            summary.set_apart[reason] += len(indexes)
        for index in unreadable[:MAX_LINES_NAMED]:
            summary.problems.append(f"{key} line {index + 1}: {failure.why[index]}; it stays")
        if len(unreadable) > MAX_LINES_NAMED:
            summary.problems.append(
                f"{key}: {len(unreadable) - MAX_LINES_NAMED} more unreadable lines stay"
            )
        if not dry_run:
            replay_object(storage, sender, failure, readable, unreadable, apart, summary)
        if clock() - last >= PROGRESS_EVERY_SECONDS:
            last = clock()
            progress(f"{done}/{len(keys)} objects, {summary.replayed} clicks replayed")
    return summary


def replay_object(
    storage: Storage,
    sender: Sender,
    failure: FailureObject,
    readable: list[int],
    unreadable: list[int],
    apart: dict[str, list[int]],
    summary: Summary,
) -> None:
    clicks = [failure.clicks[i] for i in readable]
    failed = sender.send(clicks) if clicks else {}  # type: ignore[arg-type]
    sent = [index for n, index in enumerate(readable) if n not in failed]
    kept = sorted([readable[n] for n in failed] + unreadable)
    summary.replayed += len(sent)
    summary.kept_failing += len(failed)
    if failed:
        reasons = ", ".join(sorted(set(failed.values())))
        summary.problems.append(f"{len(failed)} clicks kept failing in {failure.key} ({reasons})")
    # Where each part of the object goes, as a whole object or as a part of one: the replayed
    # lines, and each reason's clicks.
    key = failure.key
    parts = [(replayed_key(key), replayed_key(key, part=True), sent)] if sent else []
    parts += [
        (unrecoverable_key(key, reason), unrecoverable_key(key, reason, part=True), indexes)
        for reason, indexes in sorted(apart.items())
    ]
    if not kept and len(parts) == 1:
        storage.move(key, parts[0][0])
        summary.moved += 1 if sent else 0
        return
    if not parts:
        return
    # Each part is written first, then the object shrinks to what is left (or goes): a second
    # run sends only what did not go this time, and a crash between sends nothing twice.
    for _, part_key, indexes in parts:
        storage.write(part_key, failure.body(indexes))
    if kept:
        storage.write(key, failure.body(kept))
    else:
        storage.delete(key)
