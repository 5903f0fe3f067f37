"""The failed-clicks alarm over the metrics the real processor publishes (its EMF lines).

Anonymous visitors can send clicks for mysfits that do not exist, as many as they like: those
must never page. A Mysfits API that is down must.
"""

from __future__ import annotations

import base64
import json
import sys
import uuid
from collections import Counter

import pytest

from clickstream.http.servers import LocalServer
from clickstream.local.mysfits import MysfitsCatalog, MysfitsHandler
from clickstream.metrics import OPERATOR_FAILURES, VISITOR_FAILURES
from tests.alarm_math import alarm_value

from .test_contracts import LAMBDA, run_handler

CLICKS = 50
ARRIVAL = 1_795_000_000_000


@pytest.fixture(scope="module")
def alarm(template) -> dict:
    return template["Resources"]["ProcessingFailedAlarm"]["Properties"]


@pytest.fixture
def mysfits_api():
    server = LocalServer(MysfitsHandler, "127.0.0.1", 0, "Mysfits API")
    server.start(MysfitsCatalog("http://127.0.0.1"))
    yield server.url
    server.stop()


def batch(mysfit_ids: list[str]) -> dict:
    return {
        "invocationId": "inv-1",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks",
        "region": "us-east-1",
        "records": [
            {
                "recordId": f"r-{n}",
                "approximateArrivalTimestamp": ARRIVAL + n,
                "data": base64.b64encode(
                    json.dumps({"userId": "guest", "mysfitId": mysfit_id}).encode()
                ).decode(),
            }
            for n, mysfit_id in enumerate(mysfit_ids)
        ],
    }


def published_sums(printed: list[dict]) -> Counter[str]:
    """Each metric's Sum over the EMF documents the handler printed."""
    sums: Counter[str] = Counter()
    for document in printed:
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]
                sums[metric["Name"]] += sum(value) if isinstance(value, list) else value
    return sums


def test_fifty_anonymous_clicks_for_unknown_mysfits_leave_the_alarm_at_0(
    function,
    alarm,
    template,
    mysfits_api,
):
    # GIVEN a quiet period: nothing but fifty signed-out clicks for made-up mysfit ids
    ids = [str(uuid.UUID(int=n + 1, version=4)) for n in range(CLICKS)]
    response, printed = run_handler(function, batch(ids), mysfits_api_url=mysfits_api)
    assert [r["result"] for r in response["records"]] == ["ProcessingFailed"] * CLICKS

    # WHEN the alarm's metric math reads what the processor published
    sums = published_sums(printed)
    assert sums["FailedUnknownMysfit"] == CLICKS  # a data-quality figure

    # THEN it stays at 0: no page
    assert alarm_value(alarm, template, sums) == 0


def test_the_mysfits_api_down_for_the_same_batch_fires_it(function, alarm, template):
    ids = [str(uuid.UUID(int=n + 1, version=4)) for n in range(CLICKS)]
    _, printed = run_handler(function, batch(ids))  # nothing listens on its port

    sums = published_sums(printed)
    assert sums["FailedMysfitUnavailable"] == CLICKS
    assert alarm_value(alarm, template, sums) >= alarm["Threshold"]


def test_the_alarm_and_the_processor_agree_on_what_is_the_visitors_input():
    sys.path.insert(0, str(LAMBDA))
    try:
        from click_enrichment.records import VISITOR_REASONS
    finally:
        sys.path.remove(str(LAMBDA))
    as_metrics = {"Failed" + reason.title().replace("_", "") for reason in VISITOR_REASONS}
    assert set(VISITOR_FAILURES) == as_metrics
    assert "FailedUnknownMysfit" in VISITOR_FAILURES
    assert not set(OPERATOR_FAILURES) & as_metrics
