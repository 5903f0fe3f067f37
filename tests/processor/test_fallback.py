"""When the catalog cannot be read: per-id reads, then the Mysfits table (moto), many ids a call."""

from __future__ import annotations

import time
from collections.abc import Iterator

import boto3
import pytest
from click_enrichment.lookup import MysfitsTable
from fake_mysfits_api import CATALOG, FakeMysfitsApi, refused_url
from moto import mock_aws
from processor_helpers import MYSFITS, TABLE_ARN, TABLE_NAME, decoded, load_event, make_event

from clickstream.standins.mysfits import create_table_request, table_item

EVANGELINE = "4e53920c-505a-4a90-a694-b9300791f0ae"
PAULY = "2b473002-36f8-4b87-954e-9a377e0ccbec"
# A timeout well above a loopback answer on a loaded machine, well below the "slow" trouble.
QUICK = {"MYSFITS_API_TIMEOUT_SECONDS": "0.6", "MYSFITS_API_BACKOFF_SECONDS": "0.01"}


def create_table(region: str) -> object:
    """The workshop's table, in `region`, holding the stand-in's catalog as its items."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    dynamodb.create_table(**create_table_request(TABLE_NAME))
    for mysfit in MYSFITS:
        dynamodb.put_item(TableName=TABLE_NAME, Item=table_item(mysfit, "https://example.com"))
    return dynamodb


@pytest.fixture
def mysfits_table(aws_env: None) -> Iterator[object]:
    with mock_aws():
        yield create_table("us-east-1")


@pytest.mark.parametrize(
    ("trouble", "reads"), [("500", 1), ("429", 3), ("garbage", 3), (("slow", 2.0), 3)]
)
def test_api_trouble_falls_back_to_the_table(
    processor_for, mysfits_api: FakeMysfitsApi, mysfits_table, trouble, reads: int
) -> None:
    # GIVEN an API whose catalog and Evangeline keep failing, and the table that has her
    processor = processor_for(mysfits_api.url, MYSFITS_TABLE_ARN=TABLE_ARN, **QUICK)
    mysfits_api.script(CATALOG, "503")
    mysfits_api.script(EVANGELINE, trouble)

    # WHEN processed
    response = processor.invoke(load_event("valid_clicks.json"))

    # THEN her clicks are enriched from the table after the per-id reads
    assert [r["result"] for r in response["records"]] == ["Ok", "Ok", "Ok"]
    first = decoded(response["records"][0])
    assert (first["species"], first["goodevil"], first["lawchaos"]) == ("Chimera", "Evil", "Lawful")
    assert mysfits_api.requests == {CATALOG: 3, EVANGELINE: reads, PAULY: 1}
    summary = processor.log_lines()[-1]
    assert (summary["fallbacks"], summary["tableCalls"]) == (1, 1)


def test_an_unreachable_api_falls_back_for_every_mysfit_in_one_table_call(
    processor_for, mysfits_table
) -> None:
    processor = processor_for(refused_url(), MYSFITS_TABLE_ARN=TABLE_ARN, **QUICK)

    response = processor.invoke(load_event("valid_clicks.json"))

    assert [decoded(r)["species"] for r in response["records"]] == ["Chimera", "Cyclops", "Chimera"]
    summary = processor.log_lines()[-1]
    assert (summary["fallbacks"], summary["tableCalls"]) == (2, 1)


def test_a_mysfit_missing_from_the_table_too_is_unknown_and_remembered(
    processor_for, mysfits_table
) -> None:
    processor = processor_for(refused_url(), MYSFITS_TABLE_ARN=TABLE_ARN, **QUICK)
    mysfits_table.delete_item(TableName=TABLE_NAME, Key={"MysfitId": {"S": EVANGELINE}})

    response = processor.invoke(load_event("valid_clicks.json"))
    again = processor.invoke(load_event("valid_clicks.json"))

    assert [r["result"] for r in response["records"]] == [
        "ProcessingFailed",
        "Ok",
        "ProcessingFailed",
    ]
    assert processor.log_lines()[-2]["failedByReason"] == {"unknown_mysfit": 2}
    # The table's "no such item" is an answer: the warm container asks nobody again.
    assert [r["result"] for r in again["records"]] == [r["result"] for r in response["records"]]
    second = processor.log_lines()[-1]
    assert (second["apiCalls"], second["tableCalls"], second["cacheHits"]) == (0, 0, 2)


def test_a_missing_table_fails_the_clicks_not_the_batch(processor_for, mysfits_table) -> None:
    missing = TABLE_ARN.replace(TABLE_NAME, "NoSuchTable")
    processor = processor_for(refused_url(), MYSFITS_TABLE_ARN=missing, **QUICK)

    response = processor.invoke(load_event("valid_clicks.json"))

    assert [r["result"] for r in response["records"]] == ["ProcessingFailed"] * 3
    assert processor.log_lines()[-1]["failedByReason"] == {"mysfit_unavailable": 3}


def test_an_unknown_id_with_the_catalog_down_is_settled_by_the_table(
    processor_for, mysfits_api: FakeMysfitsApi, mysfits_table
) -> None:
    # GIVEN a catalog that fails, and an id the service answers, as it does, with a 500
    processor = processor_for(mysfits_api.url, MYSFITS_TABLE_ARN=TABLE_ARN, **QUICK)
    mysfits_api.script(CATALOG, "503")
    unknown = "00000000-0000-4000-8000-000000000000"

    response = processor.invoke(load_event("unknown_mysfit.json"))

    # THEN the 500 is not retried, and the table says the mysfit does not exist
    assert [r["result"] for r in response["records"]] == ["ProcessingFailed", "Ok"]
    assert mysfits_api.requests[unknown] == 1
    assert processor.log_lines()[-1]["failedByReason"] == {"unknown_mysfit": 1}


def test_the_table_is_read_in_the_region_its_arn_names(processor_for, aws_env: None) -> None:
    # GIVEN a table in eu-west-1, while the function runs in us-east-1
    with mock_aws():
        create_table("eu-west-1")
        arn = TABLE_ARN.replace("us-east-1", "eu-west-1")
        processor = processor_for(refused_url(), MYSFITS_TABLE_ARN=arn, **QUICK)

        response = processor.invoke(load_event("valid_clicks.json"))

    assert [decoded(r)["species"] for r in response["records"]] == ["Chimera", "Cyclops", "Chimera"]


def test_a_flood_of_unknown_ids_with_the_catalog_down_costs_a_bounded_number_of_calls(
    processor_for, mysfits_api: FakeMysfitsApi, mysfits_table
) -> None:
    # GIVEN a catalog that fails, and 10,000 clicks: 3,000 made-up ids and the twelve mysfits
    processor = processor_for(mysfits_api.url, MYSFITS_TABLE_ARN=TABLE_ARN, **QUICK)
    mysfits_api.script(CATALOG, "503")
    made_up = [f"made-up-{n:04d}" for n in range(3000)]
    real = [m["mysfitId"] for m in MYSFITS]
    ids = [
        made_up[(n - n // 10 - 1) % 3000] if n % 10 else real[n // 10 % 12] for n in range(10_000)
    ]
    event = make_event([f'{{"userId":"u","mysfitId":"{i}"}}'.encode() for i in ids])

    # WHEN processed twice
    response = processor.invoke(event)
    first = processor.log_lines()[-1]
    again = processor.invoke(event)
    second = processor.log_lines()[-1]

    # THEN every real click is enriched, and no more than 64 ids were read on their own
    results = [r["result"] for r in response["records"]]
    assert [results[n] for n in range(0, 10_000, 10)] == ["Ok"] * 1000
    assert results.count("Ok") == 1000
    read_alone = set(mysfits_api.requests) - {CATALOG}
    assert len(read_alone) <= 64
    # (each at most MYSFITS_API_MAX_ATTEMPTS times: a slow answer under load is retried)
    assert mysfits_api.total_requests - mysfits_api.requests[CATALOG] <= 64 * 3
    # AND the rest came from the table, 100 keys a call
    assert first["tableCalls"] <= 31
    # AND the same ids cost nothing the next time
    assert (second["apiCalls"], second["tableCalls"]) == (0, 0)
    assert [r["result"] for r in again["records"]] == results


class LeavesKeysUnprocessed:
    """The moto client, except that its first answer leaves the second half of the keys
    unprocessed, as DynamoDB may when a read exceeds its limits."""

    def __init__(self, dynamodb) -> None:
        self.dynamodb = dynamodb
        self.requests: list[int] = []

    def batch_get_item(self, RequestItems):
        request = RequestItems[TABLE_NAME]
        self.requests.append(len(request["Keys"]))
        if len(self.requests) > 1:
            return self.dynamodb.batch_get_item(RequestItems=RequestItems)
        keys = request["Keys"]
        half = len(keys) // 2
        answer = self.dynamodb.batch_get_item(
            RequestItems={TABLE_NAME: {**request, "Keys": keys[:half]}}
        )
        answer["UnprocessedKeys"] = {TABLE_NAME: {**request, "Keys": keys[half:]}}
        return answer


def test_unprocessed_keys_are_asked_again_and_every_call_holds_at_most_100(mysfits_table) -> None:
    # GIVEN the twelve mysfits and 238 ids the table does not hold
    client = LeavesKeysUnprocessed(mysfits_table)
    table = MysfitsTable(TABLE_ARN, client_factory=lambda region: client, sleep=lambda _: None)
    real = {m["mysfitId"]: m for m in MYSFITS}
    ids = sorted(real) + [f"made-up-{n}" for n in range(238)]

    # WHEN they are read from the table
    found, calls, _ = table.batch_get(ids, time.monotonic() + 30)

    # THEN the first 100 keys took two calls (half were left unprocessed), the others one each
    assert client.requests == [100, 50, 100, 50]
    assert calls == 4
    assert {i: (found[i].species, found[i].goodevil) for i in real} == {
        i: (m["species"], m["goodevil"]) for i, m in real.items()
    }
    assert {found[i] for i in ids if i not in real} == {"unknown_mysfit"}
