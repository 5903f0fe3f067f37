"""When the Mysfits API cannot answer, the processor reads the mysfit from DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from fake_mysfits_api import FakeMysfitsApi, refused_url
from moto import mock_aws
from processor_helpers import MYSFITS, TABLE_NAME, decoded, load_event

EVANGELINE = "4e53920c-505a-4a90-a694-b9300791f0ae"
PAULY = "2b473002-36f8-4b87-954e-9a377e0ccbec"
QUICK = {"MYSFITS_API_TIMEOUT_SECONDS": "0.2", "MYSFITS_API_BACKOFF_SECONDS": "0.01"}


@pytest.fixture
def mysfits_table(aws_env: None) -> Iterator[object]:
    """The workshop's table: items keyed by MysfitId, with Species, GoodEvil, LawChaos."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName=TABLE_NAME,
            KeySchema=[{"AttributeName": "MysfitId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "MysfitId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for mysfit in MYSFITS:
            dynamodb.put_item(
                TableName=TABLE_NAME,
                Item={
                    "MysfitId": {"S": mysfit["mysfitId"]},
                    "Name": {"S": mysfit["name"]},
                    "Species": {"S": mysfit["species"]},
                    "GoodEvil": {"S": mysfit["goodevil"]},
                    "LawChaos": {"S": mysfit["lawchaos"]},
                    "Age": {"N": str(mysfit["age"])},
                },
            )
        yield dynamodb


@pytest.mark.parametrize("trouble", ["500", "429", "garbage", ("slow", 1.0)])
def test_api_trouble_falls_back_to_the_table(
    processor_for, mysfits_api: FakeMysfitsApi, mysfits_table, trouble
) -> None:
    # GIVEN an API that keeps failing for Evangeline, and the table that has her
    processor = processor_for(mysfits_api.url, MYSFITS_TABLE_NAME=TABLE_NAME, **QUICK)
    mysfits_api.script(EVANGELINE, trouble)

    # WHEN processed
    response = processor.invoke(load_event("valid_clicks.json"))

    # THEN her clicks are enriched from the table after the retries
    assert [r["result"] for r in response["records"]] == ["Ok", "Ok", "Ok"]
    first = decoded(response["records"][0])
    assert (first["species"], first["goodevil"], first["lawchaos"]) == ("Chimera", "Evil", "Lawful")
    assert mysfits_api.requests[EVANGELINE] == 3
    summary = processor.log_lines()[-1]
    assert summary["fallbacks"] == 1


def test_an_unreachable_api_falls_back_for_every_mysfit(processor_for, mysfits_table) -> None:
    processor = processor_for(refused_url(), MYSFITS_TABLE_NAME=TABLE_NAME, **QUICK)

    response = processor.invoke(load_event("valid_clicks.json"))

    assert [decoded(r)["species"] for r in response["records"]] == ["Chimera", "Cyclops", "Chimera"]
    assert processor.log_lines()[-1]["fallbacks"] == 2


def test_a_mysfit_missing_from_the_table_too_fails(processor_for, mysfits_table) -> None:
    processor = processor_for(refused_url(), MYSFITS_TABLE_NAME=TABLE_NAME, **QUICK)
    mysfits_table.delete_item(TableName=TABLE_NAME, Key={"MysfitId": {"S": EVANGELINE}})

    response = processor.invoke(load_event("valid_clicks.json"))

    assert [r["result"] for r in response["records"]] == [
        "ProcessingFailed",
        "Ok",
        "ProcessingFailed",
    ]
    assert processor.log_lines()[-1]["failedByReason"] == {"unknown_mysfit": 2}


def test_a_missing_table_fails_the_clicks_not_the_batch(processor_for, mysfits_table) -> None:
    processor = processor_for(refused_url(), MYSFITS_TABLE_NAME="NoSuchTable", **QUICK)

    response = processor.invoke(load_event("valid_clicks.json"))

    assert [r["result"] for r in response["records"]] == ["ProcessingFailed"] * 3
    assert processor.log_lines()[-1]["failedByReason"] == {"mysfit_unavailable": 3}


def test_a_404_is_an_answer_not_trouble(
    processor_for, mysfits_api: FakeMysfitsApi, mysfits_table
) -> None:
    # GIVEN a mysfit the table has but the API says does not exist
    processor = processor_for(mysfits_api.url, MYSFITS_TABLE_NAME=TABLE_NAME, **QUICK)
    mysfits_api.script(PAULY, "404")

    response = processor.invoke(load_event("valid_clicks.json"))

    # THEN the API's answer stands: no fallback, no retry
    assert [r["result"] for r in response["records"]] == ["Ok", "ProcessingFailed", "Ok"]
    assert mysfits_api.requests[PAULY] == 1
    assert processor.log_lines()[-1]["fallbacks"] == 0
