"""process_batch on its own: the encoding phase also stops at its cutoff."""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseEvent
from click_enrichment.batch import process_batch
from click_enrichment.lookup import MysfitResolver, MysfitsApi, ProfileCache, new_session
from fake_mysfits_api import CATALOG, FakeMysfitsApi
from processor_helpers import load_event


def resolver_for(api: FakeMysfitsApi) -> MysfitResolver:
    client = MysfitsApi(lambda: new_session(4), api.url, timeout=1.0, max_attempts=1, backoff=0.0)
    return MysfitResolver(client, None, ProfileCache(60.0), concurrency=4)


def test_records_left_when_encoding_runs_out_of_time_fail_as_deadline(
    mysfits_api: FakeMysfitsApi,
) -> None:
    # GIVEN lookups with time to spare, but no time left to encode
    event = load_event("valid_clicks.json")
    now = time.monotonic()
    invalid: list[tuple[str, str]] = []

    # WHEN the batch is processed
    response, summary = process_batch(
        KinesisFirehoseEvent(event),
        resolver_for(mysfits_api),
        lookup_cutoff=now + 30,
        encode_cutoff=now - 1,
        on_invalid=lambda record_id, reason: invalid.append((record_id, reason)),
    )

    # THEN the mysfits were found, yet every record is failed, raw, as past the deadline
    assert mysfits_api.requests == {CATALOG: 1}
    assert [r["result"] for r in response["records"]] == ["ProcessingFailed"] * 3
    assert [r["data"] for r in response["records"]] == [r["data"] for r in event["records"]]
    assert summary.failed == {"deadline": 3}
    assert summary.deadline_reached
    assert invalid == []


def test_an_empty_batch_gets_an_empty_answer(mysfits_api: FakeMysfitsApi) -> None:
    event = {**load_event("valid_clicks.json"), "records": []}
    now = time.monotonic()

    response, summary = process_batch(
        KinesisFirehoseEvent(event),
        resolver_for(mysfits_api),
        lookup_cutoff=now + 30,
        encode_cutoff=now + 30,
        on_invalid=lambda *_: None,
    )

    assert response == {"records": []}
    assert (summary.records, mysfits_api.total_requests) == (0, 0)
