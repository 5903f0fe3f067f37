"""The handler against the Mysfits stand-in: outcomes, order, logs, metrics, caching."""

from __future__ import annotations

import base64
import json
import threading

import pytest
from click_enrichment.contract import ENRICHED_FIELDS
from fake_mysfits_api import CATALOG, FakeMysfitsApi
from processor_helpers import (
    MYSFITS_BY_ID,
    FakeContext,
    Processor,
    decoded,
    load_event,
    make_event,
)

from tests.keys_oracle import athena_key

EVANGELINE = "4e53920c-505a-4a90-a694-b9300791f0ae"
PAULY = "2b473002-36f8-4b87-954e-9a377e0ccbec"


def test_valid_clicks_are_enriched_in_order(processor: Processor) -> None:
    # GIVEN a guest's profile view, a signed-in like sent by a crawler's user agent, and a click
    # in the workshop's shape (no event, no receipt time, no user agent)
    event = load_event("valid_clicks.json")

    # WHEN the processor transforms them
    response = processor.invoke(event)

    # THEN each comes back Ok, in order, as one enriched JSON line without the user agent
    assert [r["recordId"] for r in response["records"]] == [r["recordId"] for r in event["records"]]
    assert [r["result"] for r in response["records"]] == ["Ok", "Ok", "Ok"]
    assert decoded(response["records"][0]) == {
        "event": "profile",
        "userId": "guest",
        "authenticated": False,
        "visitorId": "5f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f",
        "clickId": "0b6f2c1e-3a4d-4f5e-8a9b-1c2d3e4f5a6b",
        "mysfitId": EVANGELINE,
        "name": "Evangeline",
        "species": "Chimera",
        "goodevil": "Evil",
        "lawchaos": "Lawful",
        "clickedAt": "2025-11-27T17:19:01.098Z",  # receivedAt 1764263941098, not the arrival
        "bot": False,
        "clickKey": athena_key("0b6f2c1e-3a4d-4f5e-8a9b-1c2d3e4f5a6b"),
        "visitorKey": athena_key("5f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f"),
        "userKey": athena_key("guest"),
    }
    like = decoded(response["records"][1])
    assert (like["event"], like["authenticated"], like["bot"]) == ("like", True, True)
    assert (like["name"], like["species"]) == ("Pauly", "Cyclops")
    workshop = decoded(response["records"][2])
    assert (workshop["event"], workshop["authenticated"], workshop["bot"]) == (
        "profile",
        False,
        False,
    )
    assert workshop["clickedAt"] == "2025-11-27T17:19:02.007Z"  # its arrival in Firehose


def test_output_keys_come_in_the_contracts_order(processor: Processor) -> None:
    response = processor.invoke(load_event("valid_clicks.json"))

    for record in response["records"]:
        line = json.loads(
            __import__("base64").b64decode(record["data"]),
            object_pairs_hook=lambda pairs: [key for key, _ in pairs],
        )
        assert line == [key for key, _ in ENRICHED_FIELDS if key in line]
    first = json.loads(__import__("base64").b64decode(response["records"][0]["data"]))
    assert list(first) == [key for key, _ in ENRICHED_FIELDS]
    assert "userAgent" not in first and "receivedAt" not in first


def test_one_catalog_read_enriches_the_batch(
    processor: Processor, mysfits_api: FakeMysfitsApi
) -> None:
    processor.invoke(load_event("valid_clicks.json"))

    assert mysfits_api.requests == {CATALOG: 1}


def test_a_warm_container_answers_from_its_cache(
    processor: Processor, mysfits_api: FakeMysfitsApi
) -> None:
    processor.invoke(load_event("valid_clicks.json"))
    second = processor.invoke(load_event("valid_clicks.json"))

    assert mysfits_api.total_requests == 1
    assert [r["result"] for r in second["records"]] == ["Ok", "Ok", "Ok"]
    assert processor.log_lines()[-1]["cacheHits"] == 2


def test_the_cache_expires(processor_for, mysfits_api: FakeMysfitsApi) -> None:
    processor = processor_for(mysfits_api.url, MYSFITS_CACHE_TTL_SECONDS="0")

    processor.invoke(load_event("valid_clicks.json"))
    processor.invoke(load_event("valid_clicks.json"))

    assert mysfits_api.requests == {CATALOG: 2}


def test_connections_are_kept_alive_across_invocations(
    processor_for, mysfits_api: FakeMysfitsApi
) -> None:
    # GIVEN no cache, so that every invocation calls the API
    processor = processor_for(mysfits_api.url, MYSFITS_CACHE_TTL_SECONDS="0")

    for _ in range(3):
        processor.invoke(load_event("valid_clicks.json"))

    # THEN three catalog reads travel over the connection the first invocation opened
    assert mysfits_api.requests == {CATALOG: 3}
    assert mysfits_api.connections == 1


@pytest.mark.parametrize("suffix", ["", "/"])
def test_api_url_with_or_without_trailing_slash(
    processor_for, mysfits_api: FakeMysfitsApi, suffix: str
) -> None:
    processor = processor_for(mysfits_api.url + suffix)

    response = processor.invoke(load_event("valid_clicks.json"))

    assert [r["result"] for r in response["records"]] == ["Ok", "Ok", "Ok"]
    assert mysfits_api.requests == {CATALOG: 1}


def test_invalid_records_fail_one_by_one_with_a_log_line_each(
    processor: Processor, mysfits_api: FakeMysfitsApi
) -> None:
    # GIVEN records that are not base64, not JSON, not an object, or lack valid ids
    event = load_event("invalid_records.json")

    # WHEN processed
    response = processor.invoke(event)

    # THEN only the valid one is Ok; the others keep their raw data as ProcessingFailed
    results = [r["result"] for r in response["records"]]
    assert results == ["ProcessingFailed"] * 6 + ["Ok"] + ["ProcessingFailed"] * 2
    for sent, returned in zip(event["records"], response["records"], strict=True):
        assert returned["recordId"] == sent["recordId"]
        if returned["result"] == "ProcessingFailed":
            assert returned["data"] == sent["data"]
    # AND each failure is logged once, naming the record and the reason
    warnings = [line for line in processor.log_lines() if line["level"] == "WARNING"]
    assert [(w["recordId"][-3:], w["reason"]) for w in warnings] == [
        ("101", "invalid_base64"),
        ("102", "invalid_json"),
        ("103", "not_an_object"),
        ("104", "invalid_user_id"),
        ("105", "invalid_user_id"),
        ("106", "invalid_mysfit_id"),
        ("108", "invalid_json"),
        ("109", "invalid_mysfit_id"),
    ]
    # AND only the catalog was read: no id was looked up on its own
    assert mysfits_api.requests == {CATALOG: 1}


def test_an_unknown_id_is_remembered_by_the_warm_container(
    processor: Processor, mysfits_api: FakeMysfitsApi
) -> None:
    processor.invoke(load_event("unknown_mysfit.json"))
    second = processor.invoke(load_event("unknown_mysfit.json"))

    assert [r["result"] for r in second["records"]] == ["ProcessingFailed", "Ok"]
    assert mysfits_api.requests == {CATALOG: 1}


def test_an_unknown_mysfit_fails_only_its_clicks(
    processor: Processor, mysfits_api: FakeMysfitsApi
) -> None:
    response = processor.invoke(load_event("unknown_mysfit.json"))

    assert [r["result"] for r in response["records"]] == ["ProcessingFailed", "Ok"]
    assert mysfits_api.requests == {CATALOG: 1}  # missing from the catalog: no call of its own
    assert processor.log_lines()[-1]["failedByReason"] == {"unknown_mysfit": 1}


@pytest.mark.parametrize("trouble", ["500", "503", "429", "garbage", "not_a_mysfit", ("slow", 1.0)])
def test_transient_catalog_trouble_is_retried(
    processor_for, mysfits_api: FakeMysfitsApi, trouble
) -> None:
    # GIVEN an API whose catalog misbehaves once, then answers
    processor = processor_for(
        mysfits_api.url, MYSFITS_API_TIMEOUT_SECONDS="0.3", MYSFITS_API_BACKOFF_SECONDS="0.01"
    )
    mysfits_api.script(CATALOG, trouble, "ok")

    # WHEN processed
    response = processor.invoke(load_event("valid_clicks.json"))

    # THEN the retry succeeds
    assert [r["result"] for r in response["records"]] == ["Ok", "Ok", "Ok"]
    assert mysfits_api.requests == {CATALOG: 2}
    summary = processor.log_lines()[-1]
    assert (summary["apiCalls"], summary["apiRetries"]) == (2, 1)


@pytest.mark.parametrize(
    ("trouble", "evangeline_reads"),
    # A per-id 500 is how the service answers an unknown id: retrying cannot change it.
    [("500", 1), ("429", 3), ("garbage", 3), (("slow", 1.0), 3)],
)
def test_without_catalog_or_table_a_troubled_mysfit_fails_its_clicks(
    processor_for, mysfits_api: FakeMysfitsApi, trouble, evangeline_reads: int
) -> None:
    # GIVEN a catalog that keeps failing, and trouble reading Evangeline on her own
    processor = processor_for(
        mysfits_api.url, MYSFITS_API_TIMEOUT_SECONDS="0.2", MYSFITS_API_BACKOFF_SECONDS="0.01"
    )
    mysfits_api.script(CATALOG, "503")
    mysfits_api.script(EVANGELINE, trouble)

    response = processor.invoke(load_event("valid_clicks.json"))

    # THEN Pauly, read on his own, is enriched; Evangeline's clicks fail, not the batch
    assert [r["result"] for r in response["records"]] == [
        "ProcessingFailed",
        "Ok",
        "ProcessingFailed",
    ]
    assert mysfits_api.requests == {CATALOG: 3, EVANGELINE: evangeline_reads, PAULY: 1}
    assert processor.log_lines()[-1]["failedByReason"] == {"mysfit_unavailable": 2}


def test_a_refused_connection_fails_the_clicks_without_failing_the_batch(processor_for) -> None:
    from fake_mysfits_api import refused_url

    processor = processor_for(refused_url(), MYSFITS_API_BACKOFF_SECONDS="0.01")
    event = load_event("valid_clicks.json")

    response = processor.invoke(event)

    assert [r["result"] for r in response["records"]] == ["ProcessingFailed"] * 3
    assert [r["data"] for r in response["records"]] == [r["data"] for r in event["records"]]
    trouble = [line for line in processor.log_lines() if line["message"] == "mysfits API trouble"]
    assert "ConnectionError" in trouble[0]["problems"][0]["problem"]


def test_work_stops_before_the_deadline(processor_for, mysfits_api: FakeMysfitsApi) -> None:
    # GIVEN a catalog that fails, and a per-id read far slower than the time left
    processor = processor_for(
        mysfits_api.url, DEADLINE_MARGIN_SECONDS="0.5", MYSFITS_API_TIMEOUT_SECONDS="10"
    )
    mysfits_api.script(CATALOG, "500")
    mysfits_api.script(EVANGELINE, ("slow", 5.0))
    context = FakeContext(remaining_seconds=1.5)
    _, resolver = processor.module._container()
    session = resolver._api._session

    # WHEN processed
    response = processor.invoke(load_event("valid_clicks.json"), context)

    # THEN the handler returns before the deadline, with what it could finish
    assert context.get_remaining_time_in_millis() >= 250
    assert [r["result"] for r in response["records"]] == [
        "ProcessingFailed",
        "Ok",
        "ProcessingFailed",
    ]
    summary = processor.log_lines()[-1]
    assert summary["failedByReason"] == {"deadline": 2}
    assert summary["deadlineReached"] is True
    # AND no lookup thread runs on into the next invocation with the container's session
    running = [t for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor")]
    assert not running or resolver._api._session is not session


def test_no_time_left_marks_everything_failed(processor: Processor, mysfits_api) -> None:
    event = load_event("valid_clicks.json")

    response = processor.invoke(event, FakeContext(remaining_seconds=1.0))

    assert [r["result"] for r in response["records"]] == ["ProcessingFailed"] * 3
    assert mysfits_api.total_requests == 0


def test_one_summary_line_and_emf_metrics_per_invocation(
    processor: Processor, capsys: pytest.CaptureFixture[str]
) -> None:
    processor.invoke(load_event("invalid_records.json"))

    infos = [line for line in processor.log_lines() if line["level"] == "INFO"]
    assert len(infos) == 1
    summary = infos[0]
    assert summary["service"] == "clickstream-processor"
    assert summary["invocationId"] == "8e5ed7c4-ef46-4c4e-9a6b-8c0a52e3c1d2"
    assert (summary["records"], summary["ok"], summary["processingFailed"]) == (9, 1, 8)
    assert summary["failedByReason"] == {
        "invalid_base64": 1,
        "invalid_json": 2,
        "invalid_mysfit_id": 2,
        "invalid_user_id": 2,
        "not_an_object": 1,
    }
    assert summary["apiCalls"] == 1
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    assert len(emf) == 1
    directive = emf[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "MysfitsClickStream"
    # The ProcessingFailed alarm watches this metric with this one dimension.
    assert directive["Dimensions"] == [["service"]]
    assert emf[0]["service"] == "clickstream-processor"
    names = {metric["Name"] for metric in directive["Metrics"]}
    assert {"RecordsOk", "RecordsProcessingFailed", "ApiCalls", "CacheHits", "Fallbacks"} <= names
    assert emf[0]["RecordsOk"] == [1.0]
    assert emf[0]["FailedInvalidJson"] == [2.0]
    assert emf[0]["FailedUnknownMysfit"] == [0.0]


def test_records_reuse_the_fixture_helpers(processor: Processor) -> None:
    event = make_event([json.dumps({"userId": "u", "mysfitId": m}).encode() for m in MYSFITS_BY_ID])

    response = processor.invoke(event)

    assert [decoded(r)["species"] for r in response["records"]] == [
        m["species"] for m in MYSFITS_BY_ID.values()
    ]


def test_an_id_with_reserved_characters_is_percent_encoded_in_the_path(
    processor: Processor, mysfits_api: FakeMysfitsApi
) -> None:
    # GIVEN a catalog that fails, so the id is read on its own
    mysfits_api.script(CATALOG, "503")
    event = make_event([b'{"userId":"u","mysfitId":"a@b+c:d"}'])

    response = processor.invoke(event)

    assert response["records"][0]["result"] == "ProcessingFailed"  # the service's 500: unknown
    assert mysfits_api.requests == {CATALOG: 3, "a%40b%2Bc%3Ad": 1}


def test_an_unforeseen_decoding_error_costs_one_record(
    processor: Processor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a decoder that breaks on the second record in a way no rule foresaw
    from click_enrichment import batch

    event = load_event("valid_clicks.json")
    poisoned = event["records"][1]["data"]
    real_decode = batch.decode_click

    def decode(data, arrival):
        if data == poisoned:
            raise RuntimeError("unforeseen")
        return real_decode(data, arrival)

    monkeypatch.setattr(batch, "decode_click", decode)

    # WHEN processed
    response = processor.invoke(event)

    # THEN only that record fails, and the log says so
    assert [r["result"] for r in response["records"]] == ["Ok", "ProcessingFailed", "Ok"]
    warnings = [line for line in processor.log_lines() if line["level"] == "WARNING"]
    assert [w["reason"] for w in warnings] == ["unreadable_record: RuntimeError"]


def test_a_click_id_is_carried_before_the_mysfit(processor: Processor) -> None:
    click_id = "0b6f2c1e-3a4d-4f5e-8a9b-1c2d3e4f5a6b"
    event = make_event(
        [
            json.dumps({"userId": "u", "mysfitId": EVANGELINE, "clickId": click_id}).encode(),
            json.dumps({"userId": "u", "mysfitId": EVANGELINE}).encode(),
            json.dumps({"userId": "u", "mysfitId": EVANGELINE, "clickId": "nope"}).encode(),
        ]
    )

    response = processor.invoke(event)

    first, second, third = response["records"]
    keys = json.loads(
        base64.b64decode(first["data"]), object_pairs_hook=lambda pairs: [k for k, _ in pairs]
    )
    assert keys[:5] == ["event", "userId", "authenticated", "clickId", "mysfitId"]
    assert decoded(first)["clickId"] == click_id
    assert "clickId" not in decoded(second)
    assert third["result"] == "ProcessingFailed"
    assert processor.log_lines()[-1]["failedByReason"] == {"invalid_click_id": 1}
