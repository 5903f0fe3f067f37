"""The site page in headless Chromium: grid, filters, profile view, accessibility, layout."""

from __future__ import annotations

import pytest
from web_harness import CATALOG, MysfitsApiServer, SiteServer, wait_until

pytestmark = pytest.mark.browser

BY_NAME = {m["name"]: m for m in CATALOG["mysfits"]}


def card_names(page) -> list[str]:
    return page.locator("#mysfits .card h3").all_inner_texts()


def wait_for_grid(page) -> None:
    page.wait_for_selector("#mysfits[aria-busy=false]", state="attached")


def test_grid_shows_every_mysfit_the_api_returned(site, open_page, artifacts):
    page, observed = open_page(site.url)
    wait_for_grid(page)

    assert card_names(page) == [m["name"] for m in CATALOG["mysfits"]]
    first = page.locator("#mysfits .card").first
    assert first.locator(".species").inner_text() == CATALOG["mysfits"][0]["species"]
    assert first.locator(".goodevil").inner_text() == CATALOG["mysfits"][0]["goodevil"]
    assert first.locator(".lawchaos").inner_text() == CATALOG["mysfits"][0]["lawchaos"]
    wait_until(
        lambda: page.evaluate(
            "[...document.querySelectorAll('#mysfits img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        ),
        what="every thumbnail loaded",
    )
    page.screenshot(path=artifacts / "page.png", full_page=True)
    assert observed.problems() == []


def test_every_image_has_alt_text_and_every_control_is_a_button(site, open_page):
    page, _ = open_page(site.url)
    wait_for_grid(page)

    alts = page.eval_on_selector_all("#mysfits img", "imgs => imgs.map(i => i.alt)")
    assert len(alts) == len(CATALOG["mysfits"])
    assert all(alt.strip() for alt in alts)
    clickable = page.eval_on_selector_all(
        ".view-profile, .filters [data-filter], #view-all", "els => els.map(e => e.tagName)"
    )
    assert set(clickable) == {"BUTTON"}
    assert page.get_by_role("button", name="View profile of Chi").count() == 1


@pytest.mark.parametrize(
    ("label", "filter_name", "value", "field"),
    [
        ("Evil", "GoodEvil", "Evil", "goodevil"),
        ("Good", "GoodEvil", "Good", "goodevil"),
        ("Chaotic", "LawChaos", "Chaotic", "lawchaos"),
        ("Lawful", "LawChaos", "Lawful", "lawchaos"),
    ],
)
def test_filter_asks_the_api_and_shows_what_it_returned(
    site, open_page, label, filter_name, value, field
):
    page, observed = open_page(site.url)
    wait_for_grid(page)
    group = "Good/Evil" if filter_name == "GoodEvil" else "Lawful/Chaotic"

    page.get_by_role("group", name=group).get_by_role("button", name=label).click()
    wait_for_grid(page)

    assert f"/mysfits?filter={filter_name}&value={value}" in site.mysfits.requests
    expected = [m["name"] for m in CATALOG["mysfits"] if m[field] == value]
    assert card_names(page) == expected
    assert f"Showing {len(expected)} mysfits" in page.locator("#status").inner_text()
    pressed = page.locator(".filters [aria-pressed=true]").all_inner_texts()
    assert pressed == [label]
    assert observed.problems() == []


def api_calls(site) -> list[str]:
    return [path for path in site.mysfits.requests if path.startswith("/mysfits")]


def test_neutral_is_asked_of_the_right_category_and_view_all_brings_everyone_back(site, open_page):
    page, _ = open_page(site.url)
    wait_for_grid(page)

    page.get_by_role("group", name="Lawful/Chaotic").get_by_role("button", name="Neutral").click()
    wait_for_grid(page)
    # The last API call; thumbnails (loaded lazily, as the grid is laid out) may come after it.
    assert api_calls(site)[-1] == "/mysfits?filter=LawChaos&value=Neutral"
    assert card_names(page) == [m["name"] for m in CATALOG["mysfits"] if m["lawchaos"] == "Neutral"]

    page.get_by_role("button", name="View all").click()
    wait_for_grid(page)
    assert api_calls(site)[-1] == "/mysfits"
    assert len(card_names(page)) == len(CATALOG["mysfits"])


def test_profile_shows_what_the_api_returned_for_that_mysfit(site, open_page):
    page, observed = open_page(site.url)
    wait_for_grid(page)
    mysfit = BY_NAME["Ma'ahes"]

    page.get_by_role("button", name="View profile of Ma'ahes").click()
    dialog = page.get_by_role("dialog", name="Ma'ahes")
    dialog.locator("#profile-body").wait_for(state="visible")

    assert f"/mysfits/{mysfit['mysfitId']}" in site.mysfits.requests
    assert dialog.locator("#profile-species").inner_text() == mysfit["species"]
    assert dialog.locator("#profile-age").inner_text() == str(mysfit["age"])
    assert dialog.locator("#profile-goodevil").inner_text() == mysfit["goodevil"]
    assert dialog.locator("#profile-lawchaos").inner_text() == mysfit["lawchaos"]
    assert dialog.locator("#profile-likes").inner_text() == str(mysfit["likes"])
    assert dialog.locator("#profile-description").inner_text() == mysfit["description"]
    assert dialog.locator("#profile-adopted").inner_text() == "Looking for a home"
    assert dialog.locator("#profile-image").get_attribute("alt")
    assert observed.problems() == []


def test_profile_closes_with_escape_and_gives_focus_back(site, open_page, artifacts):
    page, observed = open_page(site.url)
    wait_for_grid(page)
    opener = page.get_by_role("button", name="View profile of Rujin")

    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog#profile")
    dialog.locator("#profile-body").wait_for(state="visible")
    page.screenshot(path=artifacts / "profile.png")
    page.keyboard.press("Escape")

    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.mysfitId") == BY_NAME["Rujin"]["mysfitId"]
    assert observed.problems() == []


def test_profile_closes_with_its_close_button(site, open_page):
    page, _ = open_page(site.url)
    wait_for_grid(page)

    page.get_by_role("button", name="View profile of Bob").click()
    page.get_by_role("dialog").get_by_role("button", name="Close", exact=True).click()

    page.locator("dialog#profile").wait_for(state="hidden")


def test_readable_on_a_phone(site, open_page, artifacts):
    page, observed = open_page(site.url, viewport={"width": 390, "height": 844})
    wait_for_grid(page)

    page.screenshot(path=artifacts / "page-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    widths = page.eval_on_selector_all(
        "#mysfits .card", "cards => cards.map(c => c.getBoundingClientRect().width)"
    )
    assert min(widths) > 300, "one card per row, using the width of the phone"
    assert observed.problems() == []


def test_mysfits_api_failure_shows_a_message_and_try_again_works(site, open_page):
    site.mysfits.fail_next.append(500)
    page, observed = open_page(site.url)
    wait_for_grid(page)

    assert "HTTP 500" in page.locator("#status").inner_text()
    assert card_names(page) == []
    page.get_by_role("button", name="Try again").click()
    wait_for_grid(page)

    assert len(card_names(page)) == len(CATALOG["mysfits"])
    assert observed.problems(failed_loads_allowed_for=site.mysfits.url) == []


def test_committed_placeholder_config_says_not_configured(open_page):
    with MysfitsApiServer() as api, SiteServer(None, None) as web:
        page, observed = open_page(f"{web.url}/")
        page.wait_for_selector("body.not-configured")

        assert "not configured" in page.locator("#status").inner_text()
        assert page.locator("#mysfits .card").count() == 0
        assert api.requests == []
        assert observed.problems() == []


def test_the_pages_own_policy_is_enforced_without_any_header(mysfits_api, open_page):
    with SiteServer(mysfits_api.url, None, csp_header=False) as web:
        page, observed = open_page(f"{web.url}/")
        wait_for_grid(page)
        assert len(card_names(page)) == len(CATALOG["mysfits"])
        assert observed.csp_violations() == []

        html_sink = page.evaluate(
            "() => { try { document.querySelector('#status').innerHTML = '<img src=x>';"
            " return 'written'; } catch (error) { return error.name; } }"
        )
        # The page's own origin is not one of the APIs it may call.
        elsewhere = page.evaluate(
            """url => new Promise((resolve) => {
                 document.addEventListener(
                   "securitypolicyviolation", (e) => resolve(e.effectiveDirective), {once: true});
                 fetch(url).then(() => resolve("fetched"), () => {});
               })""",
            f"{web.url}/index.html",
        )

        assert html_sink == "TypeError", "Trusted Types refuse a string as HTML"
        assert elsewhere == "connect-src"


def test_a_message_under_a_card_keeps_the_buttons_of_its_row_in_line(site, open_page, artifacts):
    page, observed = open_page(site.url, viewport={"width": 1280, "height": 900})
    wait_for_grid(page)
    first = page.locator("#mysfits .card").first
    name = first.locator("h3").inner_text()

    first.get_by_role("button", name=f"Like {name}").click()  # no sign-in here: a long message
    first.locator(".card-message").get_by_text("Sign-in is not available").wait_for()

    page.screenshot(path=artifacts / "page-card-message.png")
    rows = page.eval_on_selector_all(
        "#mysfits .card",
        """cards => {
             const rows = {};
             for (const card of cards) {
               const top = Math.round(card.getBoundingClientRect().top);
               const y = (selector) => card.querySelector(selector).getBoundingClientRect().top;
               (rows[top] ??= []).push([y(".view-profile"), y(".like")]);
             }
             return Object.values(rows);
           }""",
    )
    first_row = rows[0]
    assert len(first_row) > 1, "several cards to a row at this width"
    assert first.locator(".card-message").bounding_box()["height"] > 20
    for row in rows:
        ys = {round(y, 1) for buttons in row for y in buttons}
        assert len(ys) == 1, f"buttons of one row at different heights: {sorted(ys)}"
    assert observed.problems() == []
