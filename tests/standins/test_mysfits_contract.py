"""The Mysfits stand-in answers as the workshop's service does (Flask over MysfitsTable)."""

from __future__ import annotations

import boto3
import pytest
import requests
from moto import mock_aws

from clickstream.standins.mysfits import CATALOG, create_table_request, table_item
from clickstream.standins.server import MysfitsServer

EVANGELINE = CATALOG[0]
SUMMARY_FIELDS = {"mysfitId", "name", "goodevil", "lawchaos", "species", "thumbImageUri"}
DETAIL_FIELDS = SUMMARY_FIELDS | {"age", "description", "profileImageUri", "likes", "adopted"}
TABLE_ATTRIBUTES = {
    "MysfitId": "S", "Name": "S", "Species": "S", "Description": "S", "Age": "N",
    "GoodEvil": "S", "LawChaos": "S", "ThumbImageUri": "S", "ProfileImageUri": "S",
    "Likes": "N", "Adopted": "BOOL",
}  # fmt: skip


@pytest.fixture
def api():
    with MysfitsServer() as server:
        yield server


def get(api: MysfitsServer, path: str, **params: str) -> requests.Response:
    return requests.get(f"{api.url}{path}", params=params, timeout=5)


def test_the_catalog_is_twelve_mysfits_of_every_alignment() -> None:
    assert len(CATALOG) == 12
    assert len({m["mysfitId"] for m in CATALOG}) == 12
    assert {m["goodevil"] for m in CATALOG} == {"Good", "Neutral", "Evil"}
    assert {m["lawchaos"] for m in CATALOG} == {"Lawful", "Neutral", "Chaotic"}


def test_the_list_is_the_scan_with_six_fields_each(api) -> None:
    answer = get(api, "/mysfits")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    mysfits = answer.json()["mysfits"]
    assert [m["mysfitId"] for m in mysfits] == [m["mysfitId"] for m in CATALOG]
    assert all(set(m) == SUMMARY_FIELDS for m in mysfits)


@pytest.mark.parametrize(("name", "field"), [("GoodEvil", "goodevil"), ("LawChaos", "lawchaos")])
def test_filters_match_exactly(api, name: str, field: str) -> None:
    for value in ("Good", "Neutral", "Evil", "Lawful", "Chaotic"):
        expected = [m["mysfitId"] for m in CATALOG if m[field] == value]

        body = get(api, "/mysfits", filter=name, value=value).json()

        assert [m["mysfitId"] for m in body.get("mysfits", [])] == expected
        if not expected:
            assert body == {}  # the service's defaultdict(list) with nothing in it


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "Species", "value": "Yeti"},
        {"filter": "GoodEvil"},
        {"filter": "goodevil", "value": "Good"},
    ],
)
def test_a_filter_dynamodb_refuses_is_a_500(api, params) -> None:
    answer = get(api, "/mysfits", **params)

    assert answer.status_code == 500
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"


def test_one_mysfit_in_full_likes_a_string(api) -> None:
    body = get(api, f"/mysfits/{EVANGELINE['mysfitId']}").json()

    assert set(body) == DETAIL_FIELDS
    assert body["name"] == EVANGELINE["name"]
    assert body["likes"] == str(EVANGELINE["likes"])
    assert isinstance(body["age"], int) and not isinstance(body["age"], bool)
    assert body["adopted"] is EVANGELINE["adopted"]


def test_every_mysfit_starts_unadopted_as_in_the_workshop_data(api) -> None:
    # The workshop's module-3/aws-cli/populate-dynamodb.json puts every item with
    # "Adopted": {"BOOL": false}: a fresh service has nobody adopted yet.
    ids = [m["mysfitId"] for m in get(api, "/mysfits").json()["mysfits"]]
    adopted = [i for i in ids if get(api, f"/mysfits/{i}").json()["adopted"] is not False]

    assert len(ids) == 12
    assert adopted == []


@pytest.mark.parametrize("mysfit_id", ["no-such-mysfit", "00000000-0000-4000-8000-000000000000"])
def test_an_unknown_id_is_a_500_html_page_never_a_404(api, mysfit_id: str) -> None:
    answer = get(api, f"/mysfits/{mysfit_id}")

    assert answer.status_code == 500
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.text.startswith("<!doctype html>\n<html lang=en>\n<title>500 Internal Server")


def test_other_paths_are_flask_404s(api) -> None:
    for path in ("/", "/mysfits/", "/mysfits/a/b", "/mysfits/a%2Fb"):
        answer = get(api, path)
        assert (answer.status_code, answer.headers["Content-Type"]) == (
            404,
            "text/html; charset=utf-8",
        )


def test_a_percent_encoded_id_is_decoded_like_werkzeug(api) -> None:
    mysfit_id = EVANGELINE["mysfitId"].replace("-", "%2D")

    assert get(api, f"/mysfits/{mysfit_id}").json()["name"] == EVANGELINE["name"]


def test_like_and_adopt_update_and_last(api) -> None:
    url = f"{api.url}/mysfits/{EVANGELINE['mysfitId']}"

    liked = requests.post(f"{url}/like", timeout=5)
    requests.post(f"{url}/like", timeout=5)
    adopted = requests.post(f"{url}/adopt", timeout=5)

    assert liked.json() == adopted.json() == {"Update": "Success"}
    body = requests.get(url, timeout=5).json()
    assert (body["likes"], body["adopted"]) == (str(EVANGELINE["likes"] + 2), True)


def test_liking_an_unknown_mysfit_is_a_500(api) -> None:
    assert requests.post(f"{api.url}/mysfits/nobody/like", timeout=5).status_code == 500


def test_adopting_an_unknown_mysfit_succeeds_and_breaks_the_scan(api) -> None:
    # UpdateItem creates {MysfitId, Adopted}; getAllMysfits then fails on its missing Name.
    adopted = requests.post(f"{api.url}/mysfits/nobody/adopt", timeout=5)

    assert adopted.json() == {"Update": "Success"}
    assert get(api, "/mysfits").status_code == 500
    assert get(api, "/mysfits/nobody").status_code == 500
    assert get(api, "/mysfits", filter="GoodEvil", value="Good").status_code == 200


def test_get_on_like_is_a_405(api) -> None:
    answer = get(api, f"/mysfits/{EVANGELINE['mysfitId']}/like")

    assert answer.status_code == 405


def test_the_authorizer_guards_like_and_adopt_only() -> None:
    seen: list[str | None] = []

    def authorize(header: str | None):
        seen.append(header)
        return {"sub": "user-1"} if header == "good-token" else None

    with MysfitsServer(authorize=authorize) as api:
        url = f"{api.url}/mysfits/{EVANGELINE['mysfitId']}"
        anonymous = requests.post(f"{url}/like", timeout=5)
        refused = requests.post(f"{url}/adopt", headers={"Authorization": "bad"}, timeout=5)
        allowed = requests.post(f"{url}/like", headers={"Authorization": "good-token"}, timeout=5)
        read = requests.get(url, timeout=5)

    assert (anonymous.status_code, anonymous.json()) == (401, {"message": "Unauthorized"})
    assert refused.status_code == 401
    assert "Access-Control-Allow-Origin" not in anonymous.headers  # API Gateway's own answer
    assert allowed.json() == {"Update": "Success"}
    assert read.json()["likes"] == str(EVANGELINE["likes"] + 1)
    assert read.json()["adopted"] is EVANGELINE["adopted"]
    assert seen == [None, "bad", "good-token"]


def test_the_preflight_allows_the_authorization_header(api) -> None:
    answer = requests.options(f"{api.url}/mysfits/x/like", timeout=5)

    assert answer.status_code == 200
    assert "Authorization" in answer.headers["Access-Control-Allow-Headers"]


def test_table_items_have_the_workshop_tables_shape_and_load_into_dynamodb() -> None:
    items = [table_item(m, "https://example.com") for m in CATALOG]

    for item in items:
        assert {name: next(iter(value)) for name, value in item.items()} == TABLE_ATTRIBUTES
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(**create_table_request())
        for item in items:
            dynamodb.put_item(TableName="MysfitsTable", Item=item)
        stored = dynamodb.get_item(
            TableName="MysfitsTable", Key={"MysfitId": {"S": EVANGELINE["mysfitId"]}}
        )["Item"]
        # The filter's query, as queryMysfits makes it, on the index it names
        good = dynamodb.query(
            TableName="MysfitsTable",
            IndexName="GoodEvilIndex",
            KeyConditions={
                "GoodEvil": {"AttributeValueList": [{"S": "Good"}], "ComparisonOperator": "EQ"}
            },
        )["Items"]
    assert stored == items[0]
    assert sorted(i["MysfitId"]["S"] for i in good) == sorted(
        m["mysfitId"] for m in CATALOG if m["goodevil"] == "Good"
    )


def test_the_service_renders_its_table_items_as_the_api_does(api) -> None:
    (item,) = [i for i in api.service.table_items() if i["MysfitId"]["S"] == EVANGELINE["mysfitId"]]

    body = get(api, f"/mysfits/{EVANGELINE['mysfitId']}").json()

    assert body["likes"] == item["Likes"]["N"]
    assert body["age"] == int(item["Age"]["N"])
    assert body["thumbImageUri"] == item["ThumbImageUri"]["S"]
    assert requests.get(body["thumbImageUri"], timeout=5).headers["Content-Type"] == "image/svg+xml"
