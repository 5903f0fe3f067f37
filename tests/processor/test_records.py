"""Pure functions: decoding a record, the arrival timestamp, the enriched line, the profiles."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from click_enrichment.profiles import MysfitProfile, profile_from_api, profile_from_item
from click_enrichment.records import (
    Click,
    InvalidRecord,
    decode_click,
    encode_enriched,
    iso_utc_from_millis,
    mysfit_members,
)
from hypothesis import given
from hypothesis import strategies as st

EVANGELINE = "4e53920c-505a-4a90-a694-b9300791f0ae"
CLICK_ID = "0b6f2c1e-3a4d-4f5e-8a9b-1c2d3e4f5a6b"
ARRIVAL = 1764263941123


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_a_click_decodes() -> None:
    data = b64(b'{"userId": "u-1", "mysfitId": "4e53920c-505a-4a90-a694-b9300791f0ae"}')

    assert decode_click(data, ARRIVAL) == Click("u-1", EVANGELINE, "2025-11-27T17:19:01.123Z")


@pytest.mark.parametrize("mysfit_id", ["m", "a.b", "user@example.com", "x:y+z", "..a", "a_b-c"])
def test_ids_the_click_api_accepts_are_valid(mysfit_id: str) -> None:
    data = b64(json.dumps({"userId": "u", "mysfitId": mysfit_id}).encode())

    assert decode_click(data, ARRIVAL).mysfit_id == mysfit_id


def test_a_click_id_is_kept() -> None:
    data = b64(json.dumps({"userId": "u", "mysfitId": "m-1", "clickId": CLICK_ID}).encode())

    assert decode_click(data, ARRIVAL).click_id == CLICK_ID


def test_a_click_without_a_click_id_has_none() -> None:
    assert decode_click(b64(b'{"userId": "u", "mysfitId": "m"}'), ARRIVAL).click_id is None


def test_the_click_id_comes_right_after_the_user_id() -> None:
    click = Click("u-1", EVANGELINE, "2025-11-27T17:19:01.123Z", CLICK_ID)
    members = mysfit_members(EVANGELINE, MysfitProfile("Chimera", "Evil", "Lawful"))

    raw = base64.b64decode(encode_enriched(click, members), validate=True)

    assert raw == (
        b'{"userId":"u-1","clickId":"0b6f2c1e-3a4d-4f5e-8a9b-1c2d3e4f5a6b",'
        b'"mysfitId":"4e53920c-505a-4a90-a694-b9300791f0ae",'
        b'"species":"Chimera","goodevil":"Evil","lawchaos":"Lawful",'
        b'"clickedAt":"2025-11-27T17:19:01.123Z"}\n'
    )


def test_extra_fields_are_ignored() -> None:
    data = b64(json.dumps({"userId": "u", "mysfitId": "m-1", "page": "/mysfits"}).encode())

    assert decode_click(data, ARRIVAL).mysfit_id == "m-1"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("not base64!", "invalid_base64"),
        ("eyJ1c2VySWQiOiAidSJ9\n", "invalid_base64"),  # whitespace is not base64
        ("eyJ1c2VySWQ", "invalid_base64"),  # truncated
        ("ü", "invalid_base64"),
        (None, "invalid_base64"),
        (42, "invalid_base64"),
        (b64(b""), "invalid_json"),
        (b64(b'{"userId": "u", '), "invalid_json"),
        (b64(b"\xff\xfe\x00"), "invalid_json"),
        (b64(b"NaN-ish"), "invalid_json"),
        (b64(b"[" * 100_000), "invalid_json"),
        (b64(b'{"a":' * 50_000 + b"1" + b"}" * 50_000), "invalid_json"),
        (b64(b"[]"), "not_an_object"),
        (b64(b'"a string"'), "not_an_object"),
        (b64(b"null"), "not_an_object"),
        (b64(b'{"mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": "", "mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": "   ", "mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": null, "mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": ["u"], "mysfitId": "m"}'), "invalid_user_id"),
        (b64(json.dumps({"userId": "u" * 257, "mysfitId": "m"}).encode()), "invalid_user_id"),
        (b64(b'{"userId": "u"}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": 7}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": ""}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": "../admin"}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": "a/b"}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": ".."}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": "."}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": "a%2Fb"}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": "a?b=c"}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": "abc\\n"}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "u", "mysfitId": "abc\\r"}'), "invalid_mysfit_id"),
        (b64(b'{"userId": "guest\\n", "mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": "guest\\r\\n", "mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": "gu\\u0000est", "mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": "guest\\t", "mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": "guest\\u007f", "mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": "guest\\u0085", "mysfitId": "m"}'), "invalid_user_id"),
        (b64(b'{"userId": "u", "mysfitId": "m", "clickId": null}'), "invalid_click_id"),
        (b64(b'{"userId": "u", "mysfitId": "m", "clickId": ""}'), "invalid_click_id"),
        (b64(b'{"userId": "u", "mysfitId": "m", "clickId": 7}'), "invalid_click_id"),
        (
            b64(json.dumps({"userId": "u", "mysfitId": "m", "clickId": CLICK_ID.upper()}).encode()),
            "invalid_click_id",
        ),
        (
            b64(json.dumps({"userId": "u", "mysfitId": "m", "clickId": CLICK_ID + "\n"}).encode()),
            "invalid_click_id",
        ),
        (
            b64(json.dumps({"userId": "u", "mysfitId": "m", "clickId": CLICK_ID[:-1]}).encode()),
            "invalid_click_id",
        ),
        (
            b64(
                json.dumps(
                    {"userId": "u", "mysfitId": "m", "clickId": CLICK_ID.replace("-", "")}
                ).encode()
            ),
            "invalid_click_id",
        ),
        (b64(json.dumps({"userId": "u", "mysfitId": "m" * 129}).encode()), "invalid_mysfit_id"),
    ],
)
def test_invalid_records_name_their_reason(data: object, reason: str) -> None:
    with pytest.raises(InvalidRecord) as raised:
        decode_click(data, ARRIVAL)

    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("millis", "expected"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (951782400005, "2000-02-29T00:00:00.005Z"),
        (1764263941123, "2025-11-27T17:19:01.123Z"),
        (1764263942999.0, "2025-11-27T17:19:02.999Z"),
        (253402300799999, "9999-12-31T23:59:59.999Z"),
    ],
)
def test_arrival_time_is_iso_8601_utc(millis: object, expected: str) -> None:
    assert iso_utc_from_millis(millis) == expected


@given(st.integers(min_value=0, max_value=253402300799999))
def test_arrival_time_agrees_with_datetime(millis: int) -> None:
    expected = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)

    text = iso_utc_from_millis(millis)

    assert datetime.fromisoformat(text.replace("Z", "+00:00")) == expected
    assert text.endswith("Z") and len(text) == 24


@pytest.mark.parametrize("millis", [None, "1764263941123", -1, True, 1.5, float("nan"), 10**15])
def test_an_unusable_arrival_time_is_invalid(millis: object) -> None:
    data = b64(b'{"userId": "u", "mysfitId": "m"}')

    with pytest.raises(InvalidRecord) as raised:
        decode_click(data, millis)

    assert raised.value.reason == "invalid_arrival_timestamp"


def test_a_replayed_click_is_dated_by_its_first_arrival() -> None:
    # GIVEN a click replayed a day after Firehose first received it
    first = 1764263941123  # 2025-11-27T17:19:01.123Z
    data = b64(json.dumps({"userId": "u", "mysfitId": "m", "arrivedAt": first}).encode())

    # WHEN decoded at the replay's arrival
    click = decode_click(data, first + 86_400_000)

    # THEN it keeps the time the visitor clicked
    assert click.clicked_at == "2025-11-27T17:19:01.123Z"


@pytest.mark.parametrize(
    "arrived_at", ["1764263941123", 1764263941123.0, True, None, -1, ARRIVAL + 1, 10**15]
)
def test_an_unusable_first_arrival_is_invalid(arrived_at: object) -> None:
    data = b64(json.dumps({"userId": "u", "mysfitId": "m", "arrivedAt": arrived_at}).encode())

    with pytest.raises(InvalidRecord) as raised:
        decode_click(data, ARRIVAL)

    assert raised.value.reason == "invalid_arrival_timestamp"


def test_the_enriched_line_is_compact_json_in_a_fixed_key_order() -> None:
    click = Click("u-1", EVANGELINE, "2025-11-27T17:19:01.123Z")
    members = mysfit_members(EVANGELINE, MysfitProfile("Chimera", "Evil", "Lawful"))

    raw = base64.b64decode(encode_enriched(click, members), validate=True)

    assert raw == (
        b'{"userId":"u-1","mysfitId":"4e53920c-505a-4a90-a694-b9300791f0ae",'
        b'"species":"Chimera","goodevil":"Evil","lawchaos":"Lawful",'
        b'"clickedAt":"2025-11-27T17:19:01.123Z"}\n'
    )


@given(user_id=st.text(min_size=1, max_size=40), species=st.text(max_size=20))
def test_any_text_survives_the_line(user_id: str, species: str) -> None:
    click = Click(user_id, "m-1", "2025-11-27T17:19:01.123Z")
    members = mysfit_members("m-1", MysfitProfile(species, 'Ev"il', "Law\\ful"))

    raw = base64.b64decode(encode_enriched(click, members), validate=True)

    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert json.loads(raw) == {
        "userId": user_id,
        "mysfitId": "m-1",
        "species": species,
        "goodevil": 'Ev"il',
        "lawchaos": "Law\\ful",
        "clickedAt": "2025-11-27T17:19:01.123Z",
    }


def test_profile_from_the_api() -> None:
    body = {"mysfitId": EVANGELINE, "species": "Chimera", "goodevil": "Evil", "lawchaos": "Lawful"}

    assert profile_from_api(body) == MysfitProfile("Chimera", "Evil", "Lawful")


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "Chimera",
        {"species": "Chimera", "goodevil": "Evil"},
        {"species": "Chimera", "goodevil": "Evil", "lawchaos": 3},
        {"Species": "Chimera", "GoodEvil": "Evil", "LawChaos": "Lawful"},
    ],
)
def test_a_body_that_is_not_a_mysfit(body: object) -> None:
    assert profile_from_api(body) is None


def test_profile_from_a_dynamodb_item() -> None:
    item = {
        "MysfitId": {"S": EVANGELINE},
        "Species": {"S": "Chimera"},
        "GoodEvil": {"S": "Evil"},
        "LawChaos": {"S": "Lawful"},
    }

    assert profile_from_item(item) == MysfitProfile("Chimera", "Evil", "Lawful")
    assert profile_from_item({"Species": {"S": "Chimera"}, "GoodEvil": {"S": "Evil"}}) is None
    assert profile_from_item({**item, "LawChaos": {"N": "1"}}) is None
