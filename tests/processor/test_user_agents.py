"""Long user agents cannot stall the processor: no crawler pattern sees more than the cap, and the
decode loop stops at the lookup cutoff.

Speed is not asserted by a timer here: the work the patterns do grows with the length of what they
see (quadratically, for the worst agent), so the tests bound that length and count the records
decoded. bench/bench_user_agents.py times the worst agents before and after.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseEvent
from click_enrichment import agents, batch
from click_enrichment.batch import process_batch
from click_enrichment.lookup import MysfitResolver, MysfitsApi, ProfileCache, new_session
from click_enrichment.records import decode_click
from fake_mysfits_api import FakeMysfitsApi
from processor_helpers import MYSFITS, make_event

from clickstream.local.apigateway.vtl import render_mapping_template

ARRIVAL = 1764263941123
# What a browser sends, at the long end: an in-app browser's user agent (Instagram on Android).
IN_APP_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.135 Mobile Safari/537.36 Instagram "
    "361.0.0.46.88 Android (34/14; 480dpi; 1080x2340; samsung; SM-S918B; dm3q; qcom; en_GB; "
    "674675155)"
)


def url_encode(text: str) -> str:
    """$util.urlEncode, as the API's mapping templates apply it to the user agent."""
    return render_mapping_template("$util.urlEncode($context.ua)", "", context={"ua": text})


def record_with(user_agent: str) -> str:
    click = {"userId": "guest", "mysfitId": "m", "userAgent": url_encode(user_agent)}
    return base64.b64encode(json.dumps(click).encode()).decode()


def worst(length: int, first: str = "b") -> str:
    """A run of letters: the input that makes the slowest pattern quadratic."""
    return first + "a" * (length - 2) + "N"


class SpyDetector:
    """CrawlerDetect, recording the length of every user agent its patterns are given."""

    def __init__(self, real: object) -> None:
        self.real, self.lengths = real, []

    def is_crawler(self, user_agent: str) -> bool:
        self.lengths.append(len(user_agent))
        return self.real.is_crawler(user_agent)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> SpyDetector:
    detector = SpyDetector(agents._detector)
    monkeypatch.setattr(agents, "_detector", detector)
    for cached in ("_judged", "_encoded_judged", "is_bot", "is_encoded_bot"):
        function = getattr(agents, cached, None)
        if hasattr(function, "cache_clear"):
            function.cache_clear()
    return detector


@pytest.mark.parametrize("length", [513, 1_000, 9_000, 100_000])
@pytest.mark.parametrize(
    "shape",
    [
        worst,
        lambda n: ("Mozilla/5.0 (X11; Linux x86_64) " * n)[:n],
        lambda n: "é" * n,  # six characters each once encoded: %C3%A9
    ],
)
def test_no_pattern_sees_a_user_agent_longer_than_the_cap(
    spy: SpyDetector, length: int, shape
) -> None:
    # GIVEN a click whose user agent is longer than any browser's
    user_agent = shape(length)
    assert len(user_agent) == length

    # WHEN the processor decodes it
    click = decode_click(record_with(user_agent), ARRIVAL)

    # THEN no crawler pattern saw more than 512 characters, and the click counts as a bot's
    assert all(seen <= 512 for seen in spy.lengths), spy.lengths
    assert click.bot is True


def test_a_user_agent_at_the_cap_is_still_judged_by_the_patterns(spy: SpyDetector) -> None:
    browser = (IN_APP_BROWSER + " " * 512)[:512]

    assert decode_click(record_with(browser), ARRIVAL).bot is False
    assert spy.lengths == [512]


def test_a_long_in_app_browser_is_a_visitor_not_a_bot() -> None:
    assert 250 < len(IN_APP_BROWSER) < 512
    assert decode_click(record_with(IN_APP_BROWSER), ARRIVAL).bot is False


def test_the_encoded_bound_never_turns_a_browser_into_a_bot() -> None:
    # The most an agent of 512 characters can take once encoded: four UTF-8 bytes each.
    widest = "\U0001f600" * 512

    assert decode_click(record_with(widest), ARRIVAL).bot is agents.is_bot(widest)
    assert decode_click(record_with(widest + "x"), ARRIVAL).bot is True


def test_the_decode_loop_stops_at_the_lookup_cutoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a batch whose lookup cutoff has passed, and a count of the records decoded
    calls = []

    def counting_decode(data, arrival):
        calls.append(data)
        return decode_click(data, arrival)

    monkeypatch.setattr(batch, "decode_click", counting_decode)
    payload = json.dumps({"userId": "guest", "mysfitId": MYSFITS[0]["mysfitId"]}).encode()
    event = make_event([payload] * 50)
    now = time.monotonic()

    with FakeMysfitsApi() as api:
        client = MysfitsApi(
            lambda: new_session(4), api.url, timeout=1.0, max_attempts=1, backoff=0.0
        )
        resolver = MysfitResolver(client, None, ProfileCache(60.0), concurrency=4)

        # WHEN the batch is processed
        response, summary = process_batch(
            KinesisFirehoseEvent(event),
            resolver,
            lookup_cutoff=now - 1,
            encode_cutoff=now + 30,
            on_invalid=lambda *_: None,
        )

    # THEN no record was decoded; each comes back once, raw, failed as past the deadline
    assert calls == []
    assert [r["recordId"] for r in response["records"]] == [r["recordId"] for r in event["records"]]
    assert {r["result"] for r in response["records"]} == {"ProcessingFailed"}
    assert [r["data"] for r in response["records"]] == [r["data"] for r in event["records"]]
    assert summary.failed == {"deadline": 50}
    assert summary.deadline_reached
