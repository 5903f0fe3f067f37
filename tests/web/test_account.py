"""Sign-up, sign-in, like, adopt and sign-out on the page, against the whole stack run locally.

The Cognito stand-in (moto's cognito-idp, with SRP, confirmation codes and auth flows as Cognito
runs them) and the Mysfits API that checks ID tokens like API Gateway's Cognito authorizer run
beside the clicks API and the delivery stream, each on its own port, as in
``python -m clickstream.local``.
"""

from __future__ import annotations

import pytest
import requests
from web_harness import ARTIFACTS, REPO, WEB_DIR, SiteServer, delivered_records

from clickstream.local import LocalPipeline
from clickstream.local.cognito import CognitoError

pytestmark = pytest.mark.browser

PASSWORD = "Adopt-a-Mysfit-7"


def mysfit(pipeline, name: str) -> dict:
    listed = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=5).json()["mysfits"]
    mysfit_id = next(m["mysfitId"] for m in listed if m["name"] == name)
    return requests.get(f"{pipeline.mysfits_api_url}/mysfits/{mysfit_id}", timeout=5).json()


def sub_of(pipeline, email: str) -> str:
    """The user's sub as Cognito's admin API tells it, not as the page does."""
    cognito = pipeline.cognito
    user = cognito.admin("AdminGetUser", {"UserPoolId": cognito.user_pool_id, "Username": email})
    return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")


def register(page, pipeline, email: str) -> None:
    page.goto(f"{pipeline.web_url}register.html")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password, again").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/confirm.html")


def confirm(page, pipeline, email: str, code: str | None = None) -> None:
    page.get_by_label("Confirmation code").fill(code or pipeline.cognito.last_code(email))
    page.get_by_role("button", name="Confirm").click()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    dialog = page.locator("dialog#sign-in")
    if not dialog.is_visible():
        page.get_by_role("navigation", name="Account").get_by_role("button", name="Log In").click()
    dialog.get_by_label("E-mail address").fill(email)
    dialog.get_by_label("Password").fill(password)
    dialog.get_by_role("button", name="Log In", exact=True).click()


def card(page, name: str):
    return page.locator("#mysfits .card", has=page.locator("h3", has_text=name))


def test_register_log_in_view_like_adopt_and_every_event_is_the_proven_users(pipeline, open_page):
    email = "visitor@example.com"
    page, observed = open_page(pipeline.web_url)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    register(page, pipeline, email)
    assert email in page.locator("#sent-to").inner_text()
    confirm(page, pipeline, email, code="000000")
    page.locator("#form-error", has_text="not the one we sent").wait_for()
    page.screenshot(path=ARTIFACTS / "account-confirm-wrong-code.png", full_page=True)
    page.get_by_role("button", name="Send a new code").click()
    page.get_by_text("We sent a new code to v***@e***.").wait_for()
    _first, second = pipeline.cognito.codes[email]
    confirm(page, pipeline, email, code=second)
    page.wait_for_url("**/index.html#log-in")
    page.locator("dialog#sign-in").wait_for(state="visible")  # the log-in form opens by itself
    assert page.locator("#sign-in-email").input_value() == email
    log_in(page, email)
    page.get_by_text(f"Signed in as {email}").wait_for()

    # Three profiles viewed signed in
    viewed = ["Gretta", "Chi", "Twilight Glitter"]
    for name in viewed:
        card(page, name).get_by_role("button", name=f"View profile of {name}").click()
        page.locator("#profile-body").wait_for(state="visible")
        page.keyboard.press("Escape")
        page.locator("dialog#profile").wait_for(state="hidden")

    likes_before = int(mysfit(pipeline, "Blue")["likes"])
    card(page, "Blue").get_by_role("button", name="Like Blue").click()
    card(page, "Blue").get_by_text("You liked Blue.").wait_for()
    assert card(page, "Blue").locator("button.like").get_attribute("aria-pressed") == "true"
    assert int(mysfit(pipeline, "Blue")["likes"]) == likes_before + 1

    assert mysfit(pipeline, "Rujin")["adopted"] is False
    card(page, "Rujin").get_by_role("button", name="View profile of Rujin").click()
    page.locator("#profile-body").wait_for(state="visible")
    page.get_by_role("button", name="Adopt Me Now!").click()
    page.get_by_text("Mysfit Adopted!").wait_for()
    assert mysfit(pipeline, "Rujin")["adopted"] is True
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "account-adopted.png", full_page=True)
    page.keyboard.press("Escape")
    page.screenshot(path=ARTIFACTS / "account-signed-in.png", full_page=True)

    # THEN the bucket holds every event, each proven to be this user's, from one tab
    events = delivered_records(pipeline, 6)
    sub = sub_of(pipeline, email)
    id_of = {name: mysfit(pipeline, name)["mysfitId"] for name in [*viewed, "Blue", "Rujin"]}
    assert sorted((e["event"], e["mysfitid"]) for e in events) == sorted(
        [("profile", id_of[name]) for name in [*viewed, "Rujin"]]
        + [("like", id_of["Blue"]), ("adopt", id_of["Rujin"])]
    )
    assert {(e["userid"], e["authenticated"]) for e in events} == {(sub, True)}
    (visitor,) = {e["visitorid"] for e in events}
    assert visitor == page.evaluate("sessionStorage.getItem('mysfits.visitorId')")
    assert len({e["clickid"] for e in events}) == 6
    assert {e["name"] for e in events} == {*viewed, "Blue", "Rujin"}
    # Headless Chromium says so in its user agent: every event of these tests is a bot's.
    assert {e["bot"] for e in events} == {True}
    assert dialogs == [], "errors are shown in the page, never in alert()"
    # Cognito's 400 for the wrong code is the browser's own "Failed to load resource" line.
    assert observed.problems(failed_loads_allowed_for=pipeline.cognito.url) == []


def confirmed_user(pipeline, email: str) -> None:
    """A user made through the stand-in's own API, as the page would make one."""
    cognito = pipeline.cognito
    cognito.call("SignUp", {"ClientId": cognito.client_id, "Username": email, "Password": PASSWORD})
    cognito.call(
        "ConfirmSignUp",
        {
            "ClientId": cognito.client_id,
            "Username": email,
            "ConfirmationCode": cognito.last_code(email),
        },
    )


def test_a_reload_keeps_the_session_and_log_out_ends_it(pipeline, open_page):
    email = "returning@example.com"
    confirmed_user(pipeline, email)
    page, observed = open_page(pipeline.web_url)
    log_in(page, email)
    page.get_by_text(f"Signed in as {email}").wait_for()

    page.reload()
    page.get_by_text(f"Signed in as {email}").wait_for()
    stored = page.evaluate("Object.keys(sessionStorage)")
    assert any(key.endswith(".refreshToken") for key in stored)
    assert not any(key.endswith((".idToken", ".accessToken")) for key in stored), stored
    # Nothing of the session outlives the tab: no token and no e-mail address in localStorage.
    assert page.evaluate("Object.keys(localStorage)") == []
    likes_before = int(mysfit(pipeline, "Gretta")["likes"])
    card(page, "Gretta").get_by_role("button", name="Like Gretta").click()
    card(page, "Gretta").get_by_text("You liked Gretta.").wait_for()
    assert int(mysfit(pipeline, "Gretta")["likes"]) == likes_before + 1

    refresh_token = page.evaluate(
        "Object.entries(sessionStorage).find(([k]) => k.endsWith('.refreshToken'))[1]"
    )
    page.get_by_role("button", name="Log Out").click()
    page.get_by_text("Signed out.").wait_for()
    with pytest.raises(CognitoError) as revoked:  # GlobalSignOut revoked it
        pipeline.cognito.call(
            "InitiateAuth",
            {
                "ClientId": pipeline.cognito.client_id,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": refresh_token},
            },
        )
    assert revoked.value.error_type == "NotAuthorizedException"
    snowflake_likes = int(mysfit(pipeline, "Snowflake")["likes"])
    card(page, "Snowflake").get_by_role("button", name="Like Snowflake").click()
    message = card(page, "Snowflake").locator(".card-message")
    message.get_by_text("Log in to like Snowflake.").wait_for()
    page.screenshot(path=ARTIFACTS / "account-signed-out-like.png", full_page=True)
    assert int(mysfit(pipeline, "Snowflake")["likes"]) == snowflake_likes
    assert page.evaluate("Object.keys(localStorage)") == []
    assert not any(
        key.endswith((".refreshToken", ".LastAuthUser"))
        for key in page.evaluate("Object.keys(sessionStorage)")
    )

    page.reload()
    page.get_by_role("button", name="Log In", exact=True).wait_for()
    assert page.locator("#log-out").is_hidden()
    assert observed.problems() == []


def test_a_new_tab_does_not_inherit_the_session(pipeline, browser):
    # GIVEN a user signed in in one tab
    email = "one-tab@example.com"
    confirmed_user(pipeline, email)
    context = browser.new_context()
    try:
        first = context.new_page()
        first.set_default_timeout(5000)
        first.goto(pipeline.web_url)
        log_in(first, email)
        first.get_by_text(f"Signed in as {email}").wait_for()

        # WHEN the site is opened in another tab of the same browser
        second = context.new_page()
        second.set_default_timeout(5000)
        second.goto(pipeline.web_url)

        # THEN that tab is signed out, and the browser keeps nothing of the session past the tab
        second.get_by_role("button", name="Log In", exact=True).wait_for()
        assert second.locator("#log-out").is_hidden()
        assert first.evaluate("Object.keys(localStorage)") == []
        first.close()
        assert second.evaluate("Object.keys(localStorage)") == []
    finally:
        context.close()


def like_button(page, name: str):
    return card(page, name).locator("button.like")


def test_a_like_stays_shown_in_its_tab_and_only_there(pipeline, open_page):
    # The Mysfits API cannot say who liked what: the tab remembers its own likes, per user.
    email = "fond@example.com"
    confirmed_user(pipeline, email)
    page, observed = open_page(pipeline.web_url)
    log_in(page, email)
    page.get_by_text(f"Signed in as {email}").wait_for()
    card(page, "Chi").get_by_role("button", name="Like Chi").click()
    card(page, "Chi").get_by_text("You liked Chi.").wait_for()

    page.reload()
    page.get_by_text(f"Signed in as {email}").wait_for()
    like_button(page, "Chi").get_by_text("Liked").wait_for()
    assert like_button(page, "Chi").get_attribute("aria-pressed") == "true"
    assert like_button(page, "Bob").get_attribute("aria-pressed") == "false"

    other_tab = page.context.new_page()  # same browser, same user, a tab of its own
    other_tab.goto(pipeline.web_url)
    log_in(other_tab, email)  # the session is the tab's: the other tab signs in by itself
    other_tab.get_by_text(f"Signed in as {email}").wait_for()
    assert like_button(other_tab, "Chi").locator(".like-label").inner_text() == "Like"
    assert like_button(other_tab, "Chi").get_attribute("aria-pressed") == "false"
    other_tab.close()

    page.get_by_role("button", name="Log Out").click()
    page.get_by_text("Signed out.").wait_for()
    assert like_button(page, "Chi").get_attribute("aria-pressed") == "false"
    assert like_button(page, "Chi").is_enabled()
    assert observed.problems() == []


def test_a_wrong_password_is_refused_in_the_page(pipeline, open_page):
    email = "forgetful@example.com"
    confirmed_user(pipeline, email)
    page, observed = open_page(pipeline.web_url)

    log_in(page, email, password="Not-the-password-1")

    page.get_by_text("Incorrect e-mail address or password.").wait_for()
    assert page.locator("#log-out").is_hidden()
    page.screenshot(path=ARTIFACTS / "account-wrong-password.png", full_page=True)
    assert observed.problems(failed_loads_allowed_for=pipeline.cognito.url) == []


@pytest.fixture
def meta_only_pipeline(tmp_path):
    """The local stack with the site's CSP header switched off: the pages' meta tags alone."""
    with LocalPipeline(
        template=REPO / "templates" / "clickstream.json",
        bucket_dir=tmp_path / "bucket",
        web_dir=WEB_DIR,
        interval_scale=0.01,
        site_csp_header=False,
    ) as running:
        yield running


def test_the_whole_sign_in_flow_works_under_the_meta_policy_alone(meta_only_pipeline, open_page):
    pipeline = meta_only_pipeline
    answer = requests.get(pipeline.web_url, timeout=5)
    assert "Content-Security-Policy" not in answer.headers
    email = "strict@example.com"
    page, observed = open_page(f"{pipeline.web_url}register.html")
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "require-trusted-types-for 'script'" in policy and pipeline.cognito.url in policy
    sent_password = []  # the Cognito actions whose request carried the password
    page.on(
        "request",
        lambda r: (
            sent_password.append(r.headers.get("x-amz-target", r.url))
            if PASSWORD in (r.post_data or "")
            else None
        ),
    )

    register(page, pipeline, email)
    confirm(page, pipeline, email)
    page.wait_for_url("**/index.html#log-in")
    log_in(page, email)
    page.get_by_text(f"Signed in as {email}").wait_for()
    card(page, "Blue").get_by_role("button", name="Like Blue").click()
    card(page, "Blue").get_by_text("You liked Blue.").wait_for()
    card(page, "Rujin").get_by_role("button", name="View profile of Rujin").click()
    page.get_by_role("button", name="Adopt Me Now!").click()
    page.get_by_text("Mysfit Adopted!").wait_for()
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=ARTIFACTS / "account-signed-in-phone.png")
    page.get_by_role("button", name="Log Out").click()
    page.get_by_text("Signed out.").wait_for()

    assert delivered_records(pipeline, 1)[0]["userid"] == sub_of(pipeline, email)
    # What the README says: SignUp sends the password to Cognito; logging in (SRP) never does.
    assert sent_password == ["AWSCognitoIdentityProviderService.SignUp"]
    assert observed.csp_violations() == []
    assert observed.problems() == [], "no CSP violation, no error"


def test_an_expired_id_token_is_refreshed_before_a_like(pipeline, browser):
    email = "patient@example.com"
    confirmed_user(pipeline, email)
    context = browser.new_context()
    try:
        context.clock.install()  # the page's clock, which decides when its tokens have expired
        page = context.new_page()
        page.set_default_timeout(5000)
        refreshes = []
        page.on(
            "request",
            lambda r: refreshes.append(r) if "REFRESH_TOKEN_AUTH" in (r.post_data or "") else None,
        )
        page.goto(pipeline.web_url)
        log_in(page, email)
        page.get_by_text(f"Signed in as {email}").wait_for()
        assert refreshes == []

        page.clock.fast_forward("01:05:00")  # past the ID token's hour
        card(page, "Pauly").get_by_role("button", name="Like Pauly").click()

        card(page, "Pauly").get_by_text("You liked Pauly.").wait_for()
        assert len(refreshes) == 1
    finally:
        context.close()


def test_a_password_cognito_refuses_is_explained_in_the_page(pipeline, open_page):
    page, observed = open_page(f"{pipeline.web_url}register.html")
    page.get_by_label("E-mail address").fill("weak@example.com")
    page.get_by_label("Password", exact=True).fill("mysfits")
    page.get_by_label("Password, again").fill("mysfits")

    page.get_by_role("button", name="Register").click()

    page.locator("#form-error", has_text="at least 8 characters").wait_for()
    assert page.url.endswith("/register.html")
    page.screenshot(path=ARTIFACTS / "account-register-weak-password.png", full_page=True)
    assert observed.problems(failed_loads_allowed_for=pipeline.cognito.url) == []


@pytest.mark.parametrize("form", ["register.html", "confirm.html"])
def test_without_a_user_pool_the_account_pages_say_so(mysfits_api, open_page, form):
    with SiteServer(mysfits_api.url, None) as web:  # config.js without Cognito settings
        page, observed = open_page(f"{web.url}/{form}")

        page.locator(".form-error", has_text="Sign-in is not configured").wait_for()
        assert page.locator("button[type=submit]").is_disabled()
        assert observed.problems() == []


def test_without_a_user_pool_like_says_sign_in_is_not_available(site, open_page):
    page, observed = open_page(site.url)
    page.wait_for_selector("#mysfits[aria-busy=false]", state="attached")
    assert "Sign-in is not configured" in page.locator("#account-status").inner_text()

    card(page, "Blue").get_by_role("button", name="Like Blue").click()

    card(page, "Blue").get_by_text("Sign-in is not available on this site").wait_for()
    assert page.locator("#log-in").is_hidden()
    assert observed.problems() == []


def test_a_guest_who_signs_in_midway_stays_one_visitor(pipeline, open_page):
    # GIVEN a confirmed user, not yet signed in
    email = "midway@example.com"
    confirmed_user(pipeline, email)
    page, observed = open_page(pipeline.web_url)

    # WHEN they view a profile signed out, sign in, and view another
    for name, signed_in in (("Gretta", False), ("Chi", True)):
        if signed_in:
            log_in(page, email)
            page.get_by_text(f"Signed in as {email}").wait_for()
        card(page, name).get_by_role("button", name=f"View profile of {name}").click()
        page.locator("#profile-body").wait_for(state="visible")
        page.keyboard.press("Escape")

    # THEN the first is the asserted guest's, the second the proven user's, and one visitor's
    events = {e["name"]: e for e in delivered_records(pipeline, 2)}
    assert (events["Gretta"]["userid"], events["Gretta"]["authenticated"]) == ("guest", False)
    assert (events["Chi"]["userid"], events["Chi"]["authenticated"]) == (
        sub_of(pipeline, email),
        True,
    )
    assert events["Gretta"]["visitorid"] == events["Chi"]["visitorid"]
    assert observed.problems() == []


def test_a_hand_made_click_naming_someones_sub_is_kept_unproven(pipeline):
    # GIVEN a user's sub, known to a stranger who has no token
    email = "victim@example.com"
    confirmed_user(pipeline, email)
    sub = sub_of(pipeline, email)
    gretta = mysfit(pipeline, "Gretta")["mysfitId"]
    headers = {"Content-Type": "application/json", "Origin": "https://elsewhere.example"}

    # WHEN the stranger sends a profile view as them, and a like, both without a token
    view = requests.put(
        f"{pipeline.api_url}/clicks",
        json={"userId": sub, "mysfitId": gretta},
        headers=headers,
        timeout=10,
    )
    anonymous_like = requests.put(
        f"{pipeline.api_url}/clicks",
        json={"event": "like", "userId": sub, "mysfitId": gretta},
        headers=headers,
        timeout=10,
    )
    unproven_like = requests.put(
        f"{pipeline.api_url}/clicks/signed-in",
        json={"event": "like", "mysfitId": gretta},
        headers={**headers, "Authorization": "not-a-token"},
        timeout=10,
    )

    # THEN the view is kept as asserted and marked unproven; the likes are refused
    assert view.status_code == 200
    assert anonymous_like.status_code == 400
    assert unproven_like.status_code == 401
    assert unproven_like.json() == {"message": "Unauthorized"}
    assert "Access-Control-Allow-Origin" in unproven_like.headers  # the page can read it
    (event,) = delivered_records(pipeline, 1)
    assert (event["userid"], event["authenticated"], event["event"]) == (sub, False, "profile")
    assert event["bot"] is True  # python-requests is no browser
