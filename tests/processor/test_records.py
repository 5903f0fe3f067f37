"""Pure functions: decoding a record, the arrival timestamp, the enriched line, the profiles."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from click_enrichment.contract import ENRICHED_FIELDS, KEYED_IDS
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

from clickstream.local.apigateway.vtl import render_mapping_template
from tests.keys_oracle import athena_key

EVANGELINE = "4e53920c-505a-4a90-a694-b9300791f0ae"
CLICK_ID = "0b6f2c1e-3a4d-4f5e-8a9b-1c2d3e4f5a6b"
VISITOR_ID = "5f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0"
ARRIVAL = 1764263941123


def url_encode(text: str) -> str:
    """$util.urlEncode, as the API's mapping templates apply it to the user agent."""
    return render_mapping_template("$util.urlEncode($context.ua)", "", context={"ua": text})


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_a_click_decodes() -> None:
    data = b64(b'{"userId": "u-1", "mysfitId": "4e53920c-505a-4a90-a694-b9300791f0ae"}')

    assert decode_click(data, ARRIVAL) == Click(
        "profile", "u-1", False, EVANGELINE, "2025-11-27T17:19:01.123Z", False
    )


def test_a_record_of_the_signed_in_method_decodes() -> None:
    # GIVEN the record the signed-in method's mapping template writes for a like
    record = {
        "event": "like",
        "userId": "7d0c5a8e-1b2c-4d3e-9f40-5a6b7c8d9e0f",
        "authenticated": True,
        "visitorId": VISITOR_ID,
        "clickId": CLICK_ID,
        "mysfitId": EVANGELINE,
        "receivedAt": ARRIVAL - 250,
        "userAgent": url_encode(FIREFOX),
    }

    # WHEN decoded
    click = decode_click(b64(json.dumps(record).encode()), ARRIVAL)

    # THEN it is dated by API Gateway's receipt, not Firehose's arrival, and is no bot
    assert click == Click(
        "like",
        "7d0c5a8e-1b2c-4d3e-9f40-5a6b7c8d9e0f",
        True,
        EVANGELINE,
        "2025-11-27T17:19:00.873Z",
        False,
        VISITOR_ID,
        CLICK_ID,
    )


@pytest.mark.parametrize(
    ("user_agent", "bot"),
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", True),
        ("curl/8.5.0", True),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/156.0.0.0 Safari/537.36",
            True,
        ),
        ("python-requests/2.34.2", True),
        ("", True),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Safari/537.36",
            False,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.6 Safari/605.1.15",
            False,
        ),
        (FIREFOX, False),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
            "like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
            False,
        ),
        (
            "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Mobile Safari/537.36",
            False,
        ),
    ],
)
def test_the_user_agent_says_whether_a_bot_clicked(user_agent: str, bot: bool) -> None:
    # GIVEN the user agent as the mapping template writes it: form-URL-encoded
    record = {"userId": "u", "mysfitId": "m", "userAgent": url_encode(user_agent)}

    assert decode_click(b64(json.dumps(record).encode()), ARRIVAL).bot is bot


def test_a_record_without_a_user_agent_is_no_bot() -> None:
    # Written before the API passed the user agent on: nothing says it was a bot.
    assert decode_click(b64(b'{"userId": "u", "mysfitId": "m"}'), ARRIVAL).bot is False


@pytest.mark.parametrize("mysfit_id", ["m", "a.b", "user@example.com", "x:y+z", "..a", "a_b-c"])
def test_ids_the_click_api_accepts_are_valid(mysfit_id: str) -> None:
    data = b64(json.dumps({"userId": "u", "mysfitId": mysfit_id}).encode())

    assert decode_click(data, ARRIVAL).mysfit_id == mysfit_id


def test_a_click_id_is_kept() -> None:
    data = b64(json.dumps({"userId": "u", "mysfitId": "m-1", "clickId": CLICK_ID}).encode())

    assert decode_click(data, ARRIVAL).click_id == CLICK_ID


def test_a_click_without_a_click_id_has_none() -> None:
    assert decode_click(b64(b'{"userId": "u", "mysfitId": "m"}'), ARRIVAL).click_id is None


def test_the_visitor_and_click_ids_come_after_authenticated() -> None:
    click = Click(
        "adopt", "u-1", True, EVANGELINE, "2025-11-27T17:19:01.123Z", False, VISITOR_ID, CLICK_ID
    )
    members = mysfit_members(EVANGELINE, MysfitProfile("Evangeline", "Chimera", "Evil", "Lawful"))

    raw = base64.b64decode(encode_enriched(click, members), validate=True)

    assert raw == (
        b'{"event":"adopt","userId":"u-1","authenticated":true,'
        b'"visitorId":"5f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f",'
        b'"clickId":"0b6f2c1e-3a4d-4f5e-8a9b-1c2d3e4f5a6b",'
        b'"mysfitId":"4e53920c-505a-4a90-a694-b9300791f0ae","name":"Evangeline",'
        b'"species":"Chimera","goodevil":"Evil","lawchaos":"Lawful",'
        b'"clickedAt":"2025-11-27T17:19:01.123Z","bot":false,"clickKey":8200945060861224942,'
        b'"visitorKey":-22346170452376639,"userKey":-9071933875014214294}\n'
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
        (b64(b'{"event": "share", "userId": "u", "mysfitId": "m"}'), "invalid_event"),
        (b64(b'{"event": "Profile", "userId": "u", "mysfitId": "m"}'), "invalid_event"),
        (b64(b'{"event": null, "userId": "u", "mysfitId": "m"}'), "invalid_event"),
        (b64(b'{"event": ["like"], "userId": "u", "mysfitId": "m"}'), "invalid_event"),
        (
            b64(b'{"userId": "u", "mysfitId": "m", "authenticated": "true"}'),
            "invalid_authenticated",
        ),
        (b64(b'{"userId": "u", "mysfitId": "m", "authenticated": 1}'), "invalid_authenticated"),
        (b64(b'{"userId": "u", "mysfitId": "m", "authenticated": null}'), "invalid_authenticated"),
        (b64(b'{"userId": "u", "mysfitId": "m", "visitorId": null}'), "invalid_visitor_id"),
        (b64(b'{"userId": "u", "mysfitId": "m", "visitorId": "guest"}'), "invalid_visitor_id"),
        (
            b64(
                json.dumps(
                    {"userId": "u", "mysfitId": "m", "visitorId": VISITOR_ID.upper()}
                ).encode()
            ),
            "invalid_visitor_id",
        ),
        (b64(b'{"userId": "u", "mysfitId": "m", "userAgent": 7}'), "invalid_user_agent"),
        (b64(b'{"userId": "u", "mysfitId": "m", "userAgent": ["curl"]}'), "invalid_user_agent"),
        (
            b64(b'{"userId": "u", "mysfitId": "m", "receivedAt": "1764263941000"}'),
            "invalid_received_at",
        ),
        (b64(b'{"userId": "u", "mysfitId": "m", "receivedAt": true}'), "invalid_received_at"),
        (b64(b'{"userId": "u", "mysfitId": "m", "receivedAt": null}'), "invalid_received_at"),
        (b64(b'{"userId": "u", "mysfitId": "m", "receivedAt": -1}'), "invalid_received_at"),
        (b64(b'{"userId": "u", "mysfitId": "m", "receivedAt": 1.5}'), "invalid_received_at"),
        # later than Firehose received the record, by more than the clocks may differ
        (
            b64(
                json.dumps(
                    {"userId": "u", "mysfitId": "m", "receivedAt": ARRIVAL + 300_001}
                ).encode()
            ),
            "invalid_received_at",
        ),
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


def test_a_replayed_click_is_dated_by_when_the_api_received_it() -> None:
    # GIVEN a click replayed a day after API Gateway received it
    received = 1764263941123  # 2025-11-27T17:19:01.123Z
    data = b64(json.dumps({"userId": "u", "mysfitId": "m", "receivedAt": received}).encode())

    # WHEN decoded at the replay's arrival
    click = decode_click(data, received + 86_400_000)

    # THEN it keeps the time the visitor clicked
    assert click.clicked_at == "2025-11-27T17:19:01.123Z"


def test_a_record_a_little_ahead_of_firehose_clock_is_kept() -> None:
    data = b64(json.dumps({"userId": "u", "mysfitId": "m", "receivedAt": ARRIVAL + 2}).encode())

    assert decode_click(data, ARRIVAL).clicked_at == "2025-11-27T17:19:01.125Z"


def test_the_enriched_line_is_compact_json_in_a_fixed_key_order() -> None:
    click = Click("profile", "u-1", False, EVANGELINE, "2025-11-27T17:19:01.123Z", True)
    members = mysfit_members(EVANGELINE, MysfitProfile("Evangeline", "Chimera", "Evil", "Lawful"))

    raw = base64.b64decode(encode_enriched(click, members), validate=True)

    assert raw == (
        b'{"event":"profile","userId":"u-1","authenticated":false,'
        b'"mysfitId":"4e53920c-505a-4a90-a694-b9300791f0ae","name":"Evangeline",'
        b'"species":"Chimera","goodevil":"Evil","lawchaos":"Lawful",'
        b'"clickedAt":"2025-11-27T17:19:01.123Z","bot":true,"userKey":-9071933875014214294}\n'
    )


def test_the_line_keys_are_the_contracts_enriched_fields() -> None:
    click = Click("like", "u", True, "m-1", "2025-11-27T17:19:01.123Z", False, VISITOR_ID, CLICK_ID)
    members = mysfit_members("m-1", MysfitProfile("Pauly", "Cyclops", "Neutral", "Lawful"))

    line = json.loads(base64.b64decode(encode_enriched(click, members)))

    assert list(line) == [key for key, _ in ENRICHED_FIELDS]


def test_the_keys_are_the_ids_fingerprints() -> None:
    click = Click(
        "like", "u-1", True, "m-1", "2025-11-27T17:19:01.123Z", False, VISITOR_ID, CLICK_ID
    )
    members = mysfit_members("m-1", MysfitProfile("Pauly", "Cyclops", "Neutral", "Lawful"))

    line = json.loads(base64.b64decode(encode_enriched(click, members)))

    # from_big_endian_64(xxhash64(to_utf8(id))) of each id, worked out with the xxhash package
    assert line["clickKey"] == 8200945060861224942
    assert line["visitorKey"] == -22346170452376639
    assert line["userKey"] == -9071933875014214294
    for key_name, id_name in KEYED_IDS:
        assert line[key_name] == athena_key(line[id_name])


@given(user_id=st.text(min_size=1, max_size=40), species=st.text(max_size=20))
def test_any_text_survives_the_line(user_id: str, species: str) -> None:
    click = Click("profile", user_id, False, "m-1", "2025-11-27T17:19:01.123Z", False)
    members = mysfit_members("m-1", MysfitProfile(species, species, 'Ev"il', "Law\\ful"))

    raw = base64.b64decode(encode_enriched(click, members), validate=True)

    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert json.loads(raw) == {
        "event": "profile",
        "userId": user_id,
        "authenticated": False,
        "mysfitId": "m-1",
        "name": species,
        "species": species,
        "goodevil": 'Ev"il',
        "lawchaos": "Law\\ful",
        "clickedAt": "2025-11-27T17:19:01.123Z",
        "bot": False,
        "userKey": athena_key(user_id),
    }


def test_profile_from_the_api() -> None:
    body = {
        "mysfitId": EVANGELINE,
        "name": "Evangeline",
        "species": "Chimera",
        "goodevil": "Evil",
        "lawchaos": "Lawful",
    }

    assert profile_from_api(body) == MysfitProfile("Evangeline", "Chimera", "Evil", "Lawful")


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "Chimera",
        {"species": "Chimera", "goodevil": "Evil"},
        {"species": "Chimera", "goodevil": "Evil", "lawchaos": 3},
        {"species": "Chimera", "goodevil": "Evil", "lawchaos": "Lawful"},  # no name
        {"Species": "Chimera", "GoodEvil": "Evil", "LawChaos": "Lawful"},
    ],
)
def test_a_body_that_is_not_a_mysfit(body: object) -> None:
    assert profile_from_api(body) is None


def test_profile_from_a_dynamodb_item() -> None:
    item = {
        "MysfitId": {"S": EVANGELINE},
        "Name": {"S": "Evangeline"},
        "Species": {"S": "Chimera"},
        "GoodEvil": {"S": "Evil"},
        "LawChaos": {"S": "Lawful"},
    }

    assert profile_from_item(item) == MysfitProfile("Evangeline", "Chimera", "Evil", "Lawful")
    assert profile_from_item({"Species": {"S": "Chimera"}, "GoodEvil": {"S": "Evil"}}) is None
    assert profile_from_item({**item, "LawChaos": {"N": "1"}}) is None


def test_the_edges_request_id_is_a_visitor_id() -> None:
    # An anonymous body without visitorId: the mapping template writes API Gateway's extended
    # request id (base64) in its place.
    record = {"userId": "guest", "mysfitId": "m", "visitorId": "IJgFdG6KoAMFW0A="}

    click = decode_click(b64(json.dumps(record).encode()), ARRIVAL)
    line = json.loads(base64.b64decode(encode_enriched(click, '"mysfitId":"m"')))

    assert click.visitor_id == "IJgFdG6KoAMFW0A="
    assert (line["visitorId"], line["visitorKey"]) == (
        "IJgFdG6KoAMFW0A=",
        athena_key("IJgFdG6KoAMFW0A="),
    )
