"""The processor's DynamoDB fallback, locally: moto's server holding the workshop's table."""

from __future__ import annotations

import json

import boto3

from clickstream.local.dynamodb import catalog_as_table_items
from clickstream.local.mysfits import CATALOG_FILE

from .conftest import closed_port, put_click

CATALOG = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
# The workshop table's attributes and their DynamoDB types (its Flask service reads these).
WORKSHOP_ITEM = {
    "MysfitId": "S", "Name": "S", "Species": "S", "Description": "S", "Age": "N",
    "GoodEvil": "S", "LawChaos": "S", "ThumbImageUri": "S", "ProfileImageUri": "S",
    "Likes": "N", "Adopted": "BOOL",
}  # fmt: skip


def test_catalog_items_have_the_workshop_table_s_shape():
    items = catalog_as_table_items("http://127.0.0.1:8002")

    assert len(items) == len(CATALOG)
    for item in items:
        assert {name: next(iter(value)) for name, value in item.items()} == WORKSHOP_ITEM
    first = next(i for i in items if i["MysfitId"]["S"] == CATALOG[0]["mysfitId"])
    assert first["Species"]["S"] == CATALOG[0]["species"]
    assert first["GoodEvil"]["S"] == CATALOG[0]["goodevil"]
    assert first["LawChaos"]["S"] == CATALOG[0]["lawchaos"]


def test_with_the_mysfits_api_down_the_fallback_enriches_clicks(start_pipeline):
    # GIVEN a Mysfits API that refuses every connection
    pipeline = start_pipeline(mysfits_api_url=f"http://127.0.0.1:{closed_port()}")
    mysfit = CATALOG[3]

    # WHEN a click for a mysfit of the catalog, and one for an unknown mysfit, are delivered
    assert put_click(pipeline, {"userId": "down", "mysfitId": mysfit["mysfitId"]}).ok
    assert put_click(pipeline, {"userId": "down", "mysfitId": "not-a-mysfit"}).ok
    pipeline.flush()

    # THEN the known one is enriched from the table, the unknown one kept as a failure
    (record,) = pipeline.delivered_records()
    assert (record["mysfitid"], record["species"], record["goodevil"], record["lawchaos"]) == (
        mysfit["mysfitId"], mysfit["species"], mysfit["goodevil"], mysfit["lawchaos"]
    )  # fmt: skip
    (failed,) = pipeline.failed_records()
    assert json.loads(failed["raw"])["mysfitId"] == "not-a-mysfit"


def test_the_table_is_where_the_table_arn_says(start_pipeline):
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/OtherMysfits"
    pipeline = start_pipeline(parameters={"MysfitsTableArn": arn})
    client = boto3.client(
        "dynamodb",
        endpoint_url=pipeline.aws_endpoint_url,
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )

    item = client.get_item(
        TableName="OtherMysfits", Key={"MysfitId": {"S": CATALOG[0]["mysfitId"]}}
    )["Item"]

    assert item["Name"]["S"] == CATALOG[0]["name"]
