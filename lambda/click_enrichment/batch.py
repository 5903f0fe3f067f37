"""One Firehose batch: decode every record, look each distinct mysfit up once, encode."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseEvent
from aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event import (
    KinesisFirehoseDataTransformationResponse,
    KinesisFirehoseRecord,
)

from .lookup import DEADLINE, LookupStats, MysfitResolver
from .profiles import MysfitProfile
from .records import Click, InvalidRecord, decode_click, encode_enriched, mysfit_members

OK = "Ok"
PROCESSING_FAILED = "ProcessingFailed"
# A record that broke the decoder in a way no rule foresaw: still one record, not the batch.
UNREADABLE_RECORD = "unreadable_record"
# Between two looks at the clock while encoding; encoding one record takes microseconds.
_CLOCK_EVERY = 256


@dataclass
class BatchSummary:
    records: int = 0
    ok: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    distinct_mysfits: int = 0
    lookups: LookupStats = field(default_factory=LookupStats)
    deadline_reached: bool = False


def process_batch(
    event: KinesisFirehoseEvent,
    resolver: MysfitResolver,
    *,
    lookup_cutoff: float,
    encode_cutoff: float,
    on_invalid: Callable[[str, str], None],
) -> tuple[dict, BatchSummary]:
    """The Firehose response (every recordId once, in order) and what happened."""
    summary = BatchSummary()
    decoded: list[tuple[KinesisFirehoseRecord, Click | str]] = []
    decoding_stopped = False
    for record in event.records:
        # Decoding one record is bounded (the user agent's length is), not free: past the lookup
        # cutoff no lookup could start, so the records left fail as past the deadline.
        if decoding_stopped or time.monotonic() >= lookup_cutoff:
            decoding_stopped = True
            decoded.append((record, DEADLINE))
            continue
        try:
            outcome: Click | str = decode_click(
                record.get("data"), record.get("approximateArrivalTimestamp")
            )
        except InvalidRecord as invalid:
            outcome = invalid.reason
            on_invalid(record.record_id, invalid.reason)
        except Exception as error:
            outcome = UNREADABLE_RECORD
            on_invalid(record.record_id, f"{UNREADABLE_RECORD}: {type(error).__name__}")
        decoded.append((record, outcome))
    summary.records = len(decoded)

    wanted = {outcome.mysfit_id for _, outcome in decoded if isinstance(outcome, Click)}
    summary.distinct_mysfits = len(wanted)
    profiles, summary.lookups = resolver.resolve(sorted(wanted), lookup_cutoff)
    members = {
        mysfit_id: mysfit_members(mysfit_id, profile)
        for mysfit_id, profile in profiles.items()
        if isinstance(profile, MysfitProfile)
    }

    response = KinesisFirehoseDataTransformationResponse()
    for index, (record, outcome) in enumerate(decoded):
        if index % _CLOCK_EVERY == 0 and time.monotonic() >= encode_cutoff:
            summary.deadline_reached = True
        if summary.deadline_reached:
            reason = DEADLINE
        elif isinstance(outcome, Click):
            rendered = members.get(outcome.mysfit_id)
            if rendered is not None:
                data = encode_enriched(outcome, rendered)
                response.add_record(record.build_data_transformation_response(OK, data))
                summary.ok += 1
                continue
            reason = profiles[outcome.mysfit_id]
        else:
            reason = outcome
        summary.failed[reason] += 1
        raw = record.get("data")
        failed = record.build_data_transformation_response(
            PROCESSING_FAILED, raw if isinstance(raw, str) else ""
        )
        response.add_record(failed)
    summary.deadline_reached = (
        summary.deadline_reached or decoding_stopped or DEADLINE in profiles.values()
    )
    return (response.asdict() if response.records else {"records": []}), summary
