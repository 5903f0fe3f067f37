"""axe-core (the engine Lighthouse and the browsers' audits use) on each state of the pages:
the grid, a load error, signed in, a mysfit liked, a mysfit adopted, and the forms' errors.

axe-core is the copy that the pinned axe-playwright-python package ships; it runs in the page as
the page is, under the page's own Content-Security-Policy, with every WCAG A and AA rule.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from test_account import card, confirmed_user, log_in
from web_harness import wait_until

pytestmark = pytest.mark.browser

AXE = Axe()
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page) -> list[str]:
    """One line per rule broken: its id and the elements breaking it."""
    results = AXE.run(page, options={**WCAG_AA, "resultTypes": ["violations"]}).response
    return [
        f"{v['id']}: {', '.join(t for n in v['nodes'] for t in map(str, n['target']))}"
        for v in results["violations"]
    ]


def wait_for_grid(page) -> None:
    page.wait_for_selector("#mysfits[aria-busy=false]", state="attached")
    wait_until(
        lambda: page.evaluate(
            "[...document.querySelectorAll('#mysfits img')].every(i => i.complete)"
        ),
        what="every thumbnail loaded",
    )


def test_the_grid(site, open_page):
    page, _ = open_page(site.url)
    wait_for_grid(page)

    assert violations(page) == []


def test_the_mysfits_api_failing(site, open_page):
    site.mysfits.fail_next.append(500)
    page, _ = open_page(site.url)
    page.get_by_role("button", name="Try again").wait_for()

    assert violations(page) == []


def test_signed_in_then_liked_then_adopted(pipeline, open_page):
    email = "axe@example.com"
    confirmed_user(pipeline, email)
    page, observed = open_page(pipeline.web_url)
    wait_for_grid(page)

    log_in(page, email)
    page.get_by_text(f"Signed in as {email}").wait_for()
    assert violations(page) == [], "signed in"

    card(page, "Blue").get_by_role("button", name="Like Blue").click()
    card(page, "Blue").get_by_text("You liked Blue.").wait_for()
    assert violations(page) == [], "liked"

    card(page, "Rujin").get_by_role("button", name="View profile of Rujin").click()
    page.get_by_role("button", name="Adopt Me Now!").click()
    page.get_by_text("You adopted Rujin.").wait_for()
    assert page.get_by_text("Mysfit Adopted!").is_visible()
    assert violations(page) == [], "adopted"
    assert observed.csp_violations() == []


def test_the_errors_a_visitor_meets(pipeline, open_page):
    email = "axe-errors@example.com"
    confirmed_user(pipeline, email)
    page, _ = open_page(pipeline.web_url)
    wait_for_grid(page)

    card(page, "Gretta").get_by_role("button", name="Like Gretta").click()
    card(page, "Gretta").get_by_text("Log in to like Gretta.").wait_for()
    assert violations(page) == [], "like while signed out"

    log_in(page, email, password="Not-the-password-1")
    page.get_by_text("Incorrect e-mail address or password.").wait_for()
    assert violations(page) == [], "wrong password"

    page.goto(f"{pipeline.web_url}register.html")
    page.get_by_label("E-mail address").fill("weak@example.com")
    page.get_by_label("Password", exact=True).fill("mysfits")
    page.get_by_label("Password, again").fill("mysfits")
    page.get_by_role("button", name="Register").click()
    page.locator("#form-error", has_text="at least 8 characters").wait_for()
    assert violations(page) == [], "register refused"

    page.goto(f"{pipeline.web_url}confirm.html")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Confirmation code").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    page.locator("#form-error").wait_for()
    assert violations(page) == [], "confirm refused"
