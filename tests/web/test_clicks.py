"""Profile clicks from the page to a streaming API on another origin, in headless Chromium.

Recording a click must never get in the visitor's way: these tests make the streaming API slow,
down, failing or throttling, and check both that the page keeps working and what reached the API.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from itertools import pairwise

import pytest
from web_harness import (
    CATALOG,
    RefusingEndpoint,
    SiteServer,
    StreamingApiServer,
    origin,
    wait_until,
)

pytestmark = pytest.mark.browser

BY_NAME = {m["name"]: m for m in CATALOG["mysfits"]}

# The retry policy the page promises: 429 and 5xx are retried, three times at most.
ATTEMPTS_AT_MOST = 4


def open_profile(page, name: str) -> None:
    page.get_by_role("button", name=f"View profile of {name}").click()
    page.locator("#profile-body").wait_for(state="visible")
    assert page.locator("#profile-name").inner_text() == name


def close_profile(page) -> None:
    page.keyboard.press("Escape")
    page.locator("dialog#profile").wait_for(state="hidden")


def ready(open_page, url: str, **options):
    page, observed = open_page(url, **options)
    page.wait_for_selector("#mysfits[aria-busy=false]", state="attached")
    return page, observed


def click_body(name: str, user_id: str = "guest") -> dict:
    """A signed-out visitor's profile view, less the ids the page makes at random."""
    return {"event": "profile", "userId": user_id, "mysfitId": BY_NAME[name]["mysfitId"]}


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def without_id(body: dict) -> dict:
    """The click without its clickId and visitorId, which the page makes at random; checks that
    each is a UUID."""
    assert UUID.fullmatch(body["clickId"]), body
    assert UUID.fullmatch(body["visitorId"]), body
    return {k: v for k, v in body.items() if k not in ("clickId", "visitorId")}


def clicks(attempts) -> list[dict]:
    return [without_id(a.body) for a in attempts]


def test_each_opened_profile_sends_one_click_after_a_cors_preflight(site, open_page):
    page, observed = ready(open_page, site.url)

    for name in ("Gretta", "Chi", "Gretta"):
        open_profile(page, name)
        close_profile(page)
    attempts = site.streaming.wait_for_attempts(3)
    time.sleep(0.3)

    assert clicks(attempts) == [click_body(n) for n in ("Gretta", "Chi", "Gretta")]
    assert len({a.body["clickId"] for a in attempts}) == 3, "each click has its own clickId"
    assert all(a.content_type.startswith("application/json") for a in attempts)
    assert all(a.status == 200 for a in attempts)
    assert "PUT" in site.streaming.preflights
    assert observed.problems() == []


@pytest.mark.parametrize("failure", [500, 429, 503])
def test_a_failed_click_is_retried_with_backoff_until_it_lands(site, open_page, failure):
    site.streaming.fail(BY_NAME["Crimson"]["mysfitId"], failure, failure)
    page, observed = ready(open_page, site.url)

    open_profile(page, "Crimson")
    close_profile(page)
    open_profile(page, "Pauly")  # the page stays usable while the retries run

    attempts = site.streaming.wait_for_attempts(4)
    crimson = [a for a in attempts if without_id(a.body) == click_body("Crimson")]
    assert [a.status for a in crimson] == [failure, failure, 200]
    assert len({a.body["clickId"] for a in crimson}) == 1, "a retry is the same click"
    gaps = [later.at - earlier.at for earlier, later in pairwise(crimson)]
    assert all(gap >= 0.1 for gap in gaps), f"retries must back off, gaps were {gaps}"
    assert clicks(attempts).count(click_body("Pauly")) == 1
    assert observed.problems(failed_loads_allowed_for=site.streaming.endpoint) == []


def test_retries_are_bounded_when_the_api_keeps_failing(site, open_page):
    site.streaming.answers.extend([500] * 10)
    page, observed = ready(open_page, site.url)

    open_profile(page, "Snowflake")
    site.streaming.wait_for_attempts(ATTEMPTS_AT_MOST, timeout=8)
    time.sleep(2.5)  # longer than any further backoff would be

    assert clicks(site.streaming.attempts) == [click_body("Snowflake")] * ATTEMPTS_AT_MOST
    assert page.locator("#profile-species").inner_text() == "Yeti"
    assert observed.problems(failed_loads_allowed_for=site.streaming.endpoint) == []


def test_a_rejected_click_is_not_retried(site, open_page):
    site.streaming.answers.append(400)
    page, observed = ready(open_page, site.url)

    open_profile(page, "Bob")
    site.streaming.wait_for_attempts(1)
    time.sleep(1)

    assert [a.status for a in site.streaming.attempts] == [400]
    assert observed.problems(failed_loads_allowed_for=site.streaming.endpoint) == []


@contextmanager
def slow_streaming_api(mysfits_api, delay: float):
    """The site with a streaming API that answers each click `delay` seconds late."""
    with (
        StreamingApiServer(delay=delay) as streaming,
        SiteServer(mysfits_api.url, streaming.endpoint) as web,
    ):
        streaming.allowed_origin = origin(web.url)
        yield streaming, f"{web.url}/"


def test_slow_streaming_api_does_not_hold_up_the_page(mysfits_api, open_page):
    with slow_streaming_api(mysfits_api, 3.0) as (streaming, url):
        page, observed = ready(open_page, url)

        started = time.monotonic()
        open_profile(page, "Chi")
        close_profile(page)
        page.get_by_role("group", name="Good/Evil").get_by_role("button", name="Good").click()
        page.wait_for_selector("#mysfits[aria-busy=false]", state="attached")
        open_profile(page, "CoCo")
        elapsed = time.monotonic() - started

        assert elapsed < 2.0, f"the page waited on the streaming API ({elapsed:.1f}s)"
        streaming.wait_for_attempts(2)
        assert observed.problems() == []


def test_streaming_api_down_the_page_works_and_the_click_is_retried(mysfits_api, open_page):
    with RefusingEndpoint() as down, SiteServer(mysfits_api.url, down.endpoint) as web:
        page, observed = ready(open_page, f"{web.url}/")

        open_profile(page, "Evangeline")
        close_profile(page)
        page.get_by_role("group", name="Lawful/Chaotic").get_by_role(
            "button", name="Lawful"
        ).click()
        page.wait_for_selector("#mysfits[aria-busy=false]", state="attached")
        open_profile(page, "CoCo")

        assert page.locator("#profile-species").inner_text() == "Troll"
        lawful = [m["name"] for m in CATALOG["mysfits"] if m["lawchaos"] == "Lawful"]
        assert page.locator("#mysfits .card h3").all_inner_texts() == lawful
        wait_until(lambda: down.connections >= 3, timeout=5, what="the click to be tried again")
        assert observed.problems(failed_loads_allowed_for=down.endpoint) == []


def test_streaming_api_not_listening_at_all_is_harmless(mysfits_api, open_page):
    with RefusingEndpoint() as down:
        endpoint = down.endpoint  # closed when the block ends: nothing listens there any more
    with SiteServer(mysfits_api.url, endpoint) as web:
        page, observed = ready(open_page, f"{web.url}/")

        open_profile(page, "Gretta")
        close_profile(page)
        open_profile(page, "Rujin")
        time.sleep(1)

        assert page.locator("#profile-species").inner_text() == "Dragon"
        assert observed.problems(failed_loads_allowed_for=endpoint) == []


def test_a_click_waiting_for_its_retry_is_not_lost_when_the_visitor_leaves(site, open_page):
    site.streaming.answers.append(503)
    page, observed = ready(open_page, site.url)

    open_profile(page, "Twilight Glitter")
    site.streaming.wait_for_attempts(1)
    page.goto(f"{site.url}elsewhere.html")

    attempts = site.streaming.wait_for_attempts(2)
    assert clicks(attempts) == [click_body("Twilight Glitter")] * 2
    assert attempts[0].body["clickId"] == attempts[1].body["clickId"]
    assert [a.status for a in attempts] == [503, 200]
    assert observed.page_errors == []


def test_clicks_in_flight_when_the_visitor_leaves_land_once_each(mysfits_api, open_page):
    # Chromium fails the fetches still in flight with TypeError when the page is left, although
    # the keepalive requests go on to the API: re-sending them at page hide doubled every click.
    with slow_streaming_api(mysfits_api, 1.0) as (streaming, url):
        page, observed = ready(open_page, url)
        names = ("Blue", "Twilight Glitter", "Chi")
        for name in names:
            open_profile(page, name)
            close_profile(page)
        page.goto(f"{url}elsewhere.html")  # while the three answers are a second away

        streaming.wait_for_attempts(3)
        time.sleep(2.5)  # past the answers and any retry the old page could still make
        assert sorted(n["mysfitId"] for n in clicks(streaming.attempts)) == sorted(
            BY_NAME[name]["mysfitId"] for name in names
        )
        assert len({a.body["clickId"] for a in streaming.attempts}) == 3
        assert observed.page_errors == []


def test_without_a_streaming_endpoint_the_page_works_and_says_clicks_are_not_recorded(
    mysfits_api, open_page
):
    with SiteServer(mysfits_api.url, "") as web:
        page, observed = ready(open_page, f"{web.url}/")

        open_profile(page, "Blue")

        assert "not recorded" in page.locator("#notice").inner_text()
        assert observed.problems() == []
