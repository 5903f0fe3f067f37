"""The page against the whole click stream run locally from the generated template.

The site, the clicks API (API Gateway as the template defines it, CORS preflight included), the
delivery stream with its processor and the Mysfits API each answer on their own port, so the
browser crosses origins as it does on AWS. Opening profiles must land enriched clicks in the bucket.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from web_harness import ARTIFACTS, delivered_records

pytestmark = pytest.mark.browser


GUEST = "guest"  # not signed in; test_account.py signs in and checks the sub


def test_three_opened_profiles_land_three_enriched_clicks_in_the_bucket(pipeline, open_page):
    assert urlsplit(pipeline.web_url).port != urlsplit(pipeline.api_url).port
    catalog = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=5).json()["mysfits"]
    by_id = {m["mysfitId"]: m for m in catalog}
    page, observed = open_page(pipeline.web_url)
    page.wait_for_selector("#mysfits[aria-busy=false]", state="attached")
    buttons = page.locator("#mysfits button.view-profile")
    assert buttons.count() == len(catalog)

    opened = []
    for index in (0, 4, 7):
        button = buttons.nth(index)
        opened.append(button.get_attribute("data-mysfit-id"))
        button.click()
        page.locator("#profile-body").wait_for(state="visible")
        page.keyboard.press("Escape")
    records = delivered_records(pipeline, 3)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "page-local-pipeline.png", full_page=True)

    assert sorted(r["mysfitid"] for r in records) == sorted(opened)
    for record in records:
        mysfit = by_id[record["mysfitid"]]
        assert record["userid"] == GUEST
        assert record["species"] == mysfit["species"]
        assert record["goodevil"] == mysfit["goodevil"]
        assert record["lawchaos"] == mysfit["lawchaos"]
        assert record["clickedat"]
    assert pipeline.failed_records() == []
    delivered = [
        p.relative_to(pipeline.bucket_dir).as_posix() for p in pipeline.delivered_objects()
    ]
    assert all("processing-failed" not in key for key in delivered)
    assert observed.problems() == []
