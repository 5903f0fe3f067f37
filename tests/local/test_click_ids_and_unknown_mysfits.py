"""Through the local stack: a click id rides along to the bucket; a click on a mysfit the
Mysfits service does not know (it answers 500) lands under the error prefix, raw."""

from __future__ import annotations

import logging
import uuid

import requests

from clickstream import contract

from .conftest import put_click, sent_click


def test_a_click_id_is_delivered_in_the_contracts_place(start_pipeline):
    pipeline = start_pipeline()
    mysfit = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]
    click = {"userId": "guest", "mysfitId": mysfit["mysfitId"], "clickId": str(uuid.uuid4())}

    answer = put_click(pipeline, click)
    pipeline.flush()

    assert answer.status_code == 200
    (row,) = pipeline.delivered_records()
    # The table's columns, in the contract's order, in the Parquet object the stream wrote.
    columns = [key.lower() for key, _ in contract.ENRICHED_FIELDS]
    assert list(row)[: len(columns)] == columns
    assert row["visitorid"] not in (None, "guest")  # the edge's id: the body named no visitor
    assert row["clickid"] == click["clickId"]
    assert row["species"] == mysfit["species"]


def test_a_click_on_an_unknown_mysfit_is_kept_under_the_error_prefix(start_pipeline):
    pipeline = start_pipeline()
    click = {"userId": "guest", "mysfitId": "00000000-0000-4000-8000-000000000000"}
    unknown = requests.get(f"{pipeline.mysfits_api_url}/mysfits/{click['mysfitId']}", timeout=10)

    answer = put_click(pipeline, click)
    pipeline.flush()

    assert unknown.status_code == 500  # the service's answer the processor must cope with
    assert answer.status_code == 200
    assert pipeline.delivered_objects() == []
    (failed,) = pipeline.failed_records()
    assert sent_click(failed["raw"]) == click


UNKNOWN = "00000000-0000-4000-8000-000000000000"


def batch_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "batch of" in r.getMessage()]


def test_the_batch_line_says_why_a_click_failed(start_pipeline, caplog):
    caplog.set_level(logging.INFO, logger="clickstream.local.stream")
    pipeline = start_pipeline(interval_scale=1)  # one batch: only flush() delivers
    known = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]

    put_click(pipeline, {"userId": "guest", "mysfitId": known["mysfitId"]})
    put_click(pipeline, {"userId": "guest", "mysfitId": UNKNOWN})
    pipeline.flush()

    (line,) = batch_lines(caplog)
    assert line.endswith("batch of 2: 1 delivered, 0 dropped, 1 failed: unknown mysfit")


def test_the_batch_line_counts_each_reason_when_there_are_several(start_pipeline, caplog):
    caplog.set_level(logging.INFO, logger="clickstream.local.stream")
    pipeline = start_pipeline(interval_scale=1)

    put_click(pipeline, {"userId": "guest", "mysfitId": UNKNOWN})
    put_click(pipeline, {"userId": "guest", "mysfitId": UNKNOWN})
    pipeline.stream.put_record(b"not a click")  # as a PutRecord straight to the stream can
    pipeline.flush()

    (line,) = batch_lines(caplog)
    assert line.endswith(
        "batch of 3: 0 delivered, 0 dropped, 3 failed: 1 invalid json, 2 unknown mysfit"
    )
