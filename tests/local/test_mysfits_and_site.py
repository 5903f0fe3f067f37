"""The local Mysfits API and the site, over HTTP."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
import requests

from clickstream.commands.webconfig import CognitoSettings, render_config_js
from clickstream.local.mysfits import CATALOG_FILE

from .conftest import REPOSITORY

# The workshop's list: a scan rendered with six fields (the full item is GET /mysfits/{id}).
FIELDS = {"mysfitId", "name", "species", "goodevil", "lawchaos", "thumbImageUri"}


@pytest.fixture
def pipeline(start_pipeline):
    return start_pipeline(web_dir=REPOSITORY / "web")


def catalog():
    return json.loads(CATALOG_FILE.read_text(encoding="utf-8"))


def test_lists_every_mysfit_of_the_catalog_with_cors(pipeline):
    answer = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10)

    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    mysfits = answer.json()["mysfits"]
    assert sorted(m["mysfitId"] for m in mysfits) == sorted(m["mysfitId"] for m in catalog())
    assert all(set(m) == FIELDS for m in mysfits)


@pytest.mark.parametrize(("name", "field"), [("GoodEvil", "goodevil"), ("LawChaos", "lawchaos")])
def test_filters_like_the_workshop_api(pipeline, name, field):
    for value in sorted({m[field] for m in catalog()}):
        answer = requests.get(
            f"{pipeline.mysfits_api_url}/mysfits",
            params={"filter": name, "value": value},
            timeout=10,
        )
        expected = sorted(m["mysfitId"] for m in catalog() if m[field] == value)
        assert sorted(m["mysfitId"] for m in answer.json()["mysfits"]) == expected


def test_the_catalog_mixes_alignments():
    assert {m["goodevil"] for m in catalog()} == {"Good", "Neutral", "Evil"}
    assert {m["lawchaos"] for m in catalog()} == {"Lawful", "Neutral", "Chaotic"}


def test_one_mysfit_and_an_unknown_one(pipeline):
    first = catalog()[0]

    found = requests.get(f"{pipeline.mysfits_api_url}/mysfits/{first['mysfitId']}", timeout=10)
    missing = requests.get(f"{pipeline.mysfits_api_url}/mysfits/no-such-mysfit", timeout=10)

    assert found.json()["name"] == first["name"]
    assert missing.status_code == 500  # the workshop's service raises on a missing item
    assert missing.headers["Content-Type"].startswith("text/html")


def test_images_are_local_svgs(pipeline):
    listed = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]
    mysfit = requests.get(
        f"{pipeline.mysfits_api_url}/mysfits/{listed['mysfitId']}", timeout=10
    ).json()

    for uri in (mysfit["thumbImageUri"], mysfit["profileImageUri"]):
        assert urlsplit(uri).netloc == urlsplit(pipeline.mysfits_api_url).netloc
        image = requests.get(uri, timeout=10)
        assert image.status_code == 200
        assert image.headers["Content-Type"] == "image/svg+xml"
        assert image.text.startswith("<svg")


def test_site_config_points_at_the_local_endpoints(pipeline):
    answer = requests.get(f"{pipeline.web_url}config.js", timeout=10)

    cognito = CognitoSettings(
        pipeline.cognito.user_pool_id, pipeline.cognito.client_id, f"{pipeline.cognito.url}/"
    )
    # The runner's stack has the signed-in method: its user pool is the stand-in's.
    assert answer.text == render_config_js(
        pipeline.mysfits_api_url, pipeline.api_url, cognito, signed_in_clicks=True
    )
    assert "signedInClicks: true" in answer.text
    assert answer.headers["Content-Type"].startswith("text/javascript")


def test_without_a_user_pool_the_site_sends_no_signed_in_clicks(start_pipeline):
    pipeline = start_pipeline(parameters={"CognitoUserPoolArn": ""}, web_dir=REPOSITORY / "web")

    answer = requests.get(f"{pipeline.web_url}config.js", timeout=10)

    assert "signedInClicks: false" in answer.text
    assert not any(m.authorizer for m in pipeline.api.methods.values())


def test_site_serves_web_with_content_types(pipeline):
    web = REPOSITORY / "web"
    for path in sorted(p for p in web.rglob("*") if p.is_file() and p.name != "config.js"):
        relative = path.relative_to(web).as_posix()
        answer = requests.get(f"{pipeline.web_url}{relative}", timeout=10)
        assert answer.status_code == 200, relative
        if path.suffix == ".html":
            # A page as it is but for its policy, written for the local origins.
            assert answer.headers["Content-Type"].startswith("text/html")
            assert _without_policy(answer.text) == _without_policy(path.read_text("utf-8"))
            assert pipeline.cognito.url in _POLICY.search(answer.text).group(1), relative
        else:
            assert answer.content == path.read_bytes()
        if path.suffix == ".js":
            assert answer.headers["Content-Type"].startswith("text/javascript")
    index = requests.get(pipeline.web_url, timeout=10)
    assert _without_policy(index.text) == _without_policy((web / "index.html").read_text("utf-8"))


_POLICY = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def _without_policy(html: str) -> str:
    return _POLICY.sub("", html)


def test_site_does_not_serve_outside_web(pipeline):
    answer = requests.get(f"{pipeline.web_url}..%2fREADME.md", timeout=10)

    assert answer.status_code == 404


@pytest.mark.parametrize(
    "path", ["index.html%00", "%00", "index.html%00.js", "a" * 5000, "x/" + "a" * 300 + "/b"]
)
def test_a_name_the_file_system_refuses_is_not_found(pipeline, path):
    answer = requests.get(f"{pipeline.web_url}{path}", timeout=10)

    assert answer.status_code == 404
    assert answer.text == "Not Found\n"


def test_page_and_api_origins_differ(pipeline, template_document):
    origins = {
        urlsplit(url).netloc
        for url in (pipeline.web_url, pipeline.api_url, pipeline.mysfits_api_url)
    }

    assert len(origins) == 3
    stage = template_document["Parameters"]["StageName"]["Default"]
    assert pipeline.api_url == f"http://{urlsplit(pipeline.api_url).netloc}/{stage}"
