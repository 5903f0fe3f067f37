"""Property: whatever mix of good and bad records arrives, the response keeps the contract.

Every recordId comes back exactly once and in order; results are only Ok or ProcessingFailed;
a failed record keeps its raw data; an Ok record is exactly the enriched click.
"""

from __future__ import annotations

import base64
import json
import string
from typing import Any

from fake_mysfits_api import CATALOG
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from processor_helpers import MYSFITS, make_event

from tests.keys_oracle import athena_key

TROUBLED = "troubled-mysfit"  # the API answers 500 for it, always (when read on its own)
UNKNOWN = "00000000-0000-4000-8000-000000000000"
KNOWN = st.sampled_from([m["mysfitId"] for m in MYSFITS])
# Any text but control characters (Cc: C0, DEL, C1), which are never part of an id.
USER_IDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=30
).filter(lambda s: not s.isspace())
CLICK_IDS = st.one_of(st.none(), st.uuids().map(str))


def payload(obj: Any) -> bytes:
    return json.dumps(obj).encode()


# Each strategy draws (payload bytes or raw base64 text, expected outcome).
# Outcome: ("Ok", user_id, mysfit_id) or "ProcessingFailed".
valid = st.builds(
    lambda u, m, c: (
        payload({"userId": u, "mysfitId": m, **({"clickId": c} if c else {})}),
        ("Ok", u, m, c),
    ),
    USER_IDS,
    KNOWN,
    CLICK_IDS,
)
unknown = st.builds(
    lambda u: (payload({"userId": u, "mysfitId": UNKNOWN}), "ProcessingFailed"), USER_IDS
)
troubled = st.builds(
    lambda u: (payload({"userId": u, "mysfitId": TROUBLED}), "ProcessingFailed"), USER_IDS
)
not_base64 = st.builds(
    lambda text: (text + "!", "ProcessingFailed"), st.text(alphabet=string.ascii_letters)
)
not_json = st.builds(lambda raw: (b"{" + raw, "ProcessingFailed"), st.binary(max_size=20))
not_object = st.builds(
    lambda value: (payload(value), "ProcessingFailed"),
    st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers(), max_size=3)),
)
bad_user = st.builds(
    lambda user, m: (payload({"userId": user, "mysfitId": m}), "ProcessingFailed"),
    st.one_of(
        st.none(),
        st.integers(),
        st.just(""),
        st.just("  "),
        st.lists(st.text()),
        st.builds(lambda u, c: u + c, USER_IDS, st.sampled_from(["\n", "\r\n", "\x00", "\x85"])),
    ),
    KNOWN,
)
bad_mysfit = st.builds(
    lambda u, m: (payload({"userId": u, "mysfitId": m}), "ProcessingFailed"),
    USER_IDS,
    st.one_of(st.none(), st.integers(), st.just(""), st.just("../x"), st.text(min_size=129)),
)
bad_click_id = st.builds(
    lambda u, m, c: (payload({"userId": u, "mysfitId": m, "clickId": c}), "ProcessingFailed"),
    USER_IDS,
    KNOWN,
    st.one_of(
        st.none(),
        st.integers(),
        st.just(""),
        st.uuids().map(lambda u: str(u).upper()),
        st.uuids().map(lambda u: str(u) + "\n"),
        st.text(max_size=40),
    ),
)
RECORDS = st.lists(
    st.one_of(
        valid,
        unknown,
        troubled,
        not_base64,
        not_json,
        not_object,
        bad_user,
        bad_mysfit,
        bad_click_id,
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=RECORDS, catalog_up=st.booleans())
def test_any_batch_keeps_the_contract(processor_for, mysfits_api, records, catalog_up) -> None:
    processor = processor_for(
        mysfits_api.url, MYSFITS_API_MAX_ATTEMPTS="2", MYSFITS_API_BACKOFF_SECONDS="0.001"
    )
    mysfits_api.script(TROUBLED, "500")
    # With the catalog down, every mysfit is read on its own.
    mysfits_api.script(CATALOG, "ok" if catalog_up else "503")
    event = make_event([p if isinstance(p, bytes) else b"" for p, _ in records])
    for record, (sent, _) in zip(event["records"], records, strict=True):
        if isinstance(sent, str):
            record["data"] = sent  # not base64 at all

    response = processor.invoke(event)

    returned = response["records"]
    assert [r["recordId"] for r in returned] == [r["recordId"] for r in event["records"]]
    by_mysfit = {m["mysfitId"]: m for m in MYSFITS}
    for sent, got, (_, expected) in zip(event["records"], returned, records, strict=True):
        if expected == "ProcessingFailed":
            assert got["result"] == "ProcessingFailed"
            assert got["data"] == sent["data"]
            continue
        _, user_id, mysfit_id, click_id = expected
        assert got["result"] == "Ok"
        line = base64.b64decode(got["data"], validate=True)
        assert line.endswith(b"\n")
        mysfit = by_mysfit[mysfit_id]
        enriched = json.loads(line)
        assert enriched == {
            "event": "profile",
            "userId": user_id,
            "authenticated": False,
            **({"clickId": click_id} if click_id else {}),
            "mysfitId": mysfit_id,
            "name": mysfit["name"],
            "species": mysfit["species"],
            "goodevil": mysfit["goodevil"],
            "lawchaos": mysfit["lawchaos"],
            "clickedAt": enriched["clickedAt"],
            "bot": False,
            **({"clickKey": athena_key(click_id)} if click_id else {}),
            "userKey": athena_key(user_id),
        }
        assert enriched["clickedAt"].endswith("Z")
