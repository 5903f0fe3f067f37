"""The local site is served under the Content-Security-Policy the docs tell users to deploy:
in each page's meta tag, and as a header, both from the one declaration in sitepolicy.py."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import botocore.session
import pytest
import requests
from botocore.validate import ParamValidator

from clickstream.commands.sitepolicy import (
    HEADER_ONLY,
    SECURITY_HEADERS,
    meta_policy,
    page_origins,
    site_policy,
)

from .conftest import REPOSITORY

README_API = "https://<api-id>.execute-api.<region>.amazonaws.com"
README_MYSFITS = "https://<mysfits-api-host>"
README_COGNITO = "https://cognito-idp.<region>.amazonaws.com"
RESPONSE_HEADERS = REPOSITORY / "docs" / "site-response-headers.json"
META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def _directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_meta_policy_is_the_documented_one():
    page = " ".join((REPOSITORY / "docs" / "site.md").read_text(encoding="utf-8").split())
    (documented,) = re.findall(r"`(default-src [^`]+)`", page)
    # The README's placeholders are not hosts a policy could name: build it by hand.
    policy = site_policy([README_API, README_MYSFITS, README_COGNITO])

    assert _directives(meta_policy(policy)) == _directives(documented)


def test_a_meta_policy_leaves_out_only_what_a_meta_tag_ignores():
    policy = site_policy(["https://api.example"])

    meta = _directives(meta_policy(policy))

    assert set(meta) == set(policy) - {"frame-ancestors"}
    assert meta["require-trusted-types-for"] == ["'script'"]
    assert meta["trusted-types"] == ["'none'"]
    assert not set(meta) & set(HEADER_ONLY)


def test_the_cloudfront_policy_sets_what_a_meta_tag_cannot():
    config = json.loads(RESPONSE_HEADERS.read_text(encoding="utf-8"))
    model = botocore.session.get_session().get_service_model("cloudfront")
    shape = model.operation_model("CreateResponseHeadersPolicy").input_shape
    report = ParamValidator().validate({"ResponseHeadersPolicyConfig": config}, shape)
    assert not report.has_errors(), report.generate_report()

    headers = config["SecurityHeadersConfig"]
    policy = site_policy([])
    header_only = {name: list(policy[name]) for name in HEADER_ONLY if name in policy}
    assert _directives(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]) == header_only
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == SECURITY_HEADERS["Referrer-Policy"]
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff" and headers["ContentTypeOptions"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000


@pytest.mark.parametrize("page", ["index.html", "register.html", "confirm.html"])
def test_each_page_s_meta_policy_names_the_local_origins_and_matches_the_header(
    start_pipeline, page
):
    pipeline = start_pipeline(web_dir=REPOSITORY / "web")

    answer = requests.get(pipeline.web_url + page, timeout=10)

    (meta,) = META.findall(answer.text)
    header = _directives(answer.headers["Content-Security-Policy"])
    assert _directives(meta) == {k: v for k, v in header.items() if k not in HEADER_ONLY}
    assert sorted(_directives(meta)["connect-src"]) == sorted(
        [
            _origin(pipeline.api_url),
            _origin(pipeline.mysfits_api_url),
            _origin(pipeline.cognito.url),
        ]
    )


def test_a_site_without_the_header_still_has_every_page_s_meta_policy(start_pipeline):
    pipeline = start_pipeline(web_dir=REPOSITORY / "web", site_csp_header=False)

    answer = requests.get(pipeline.web_url, timeout=10)

    assert "Content-Security-Policy" not in answer.headers
    (meta,) = META.findall(answer.text)
    connect, images = page_origins(pipeline.mysfits_api_url, pipeline.api_url, pipeline.cognito.url)
    assert _directives(meta) == _directives(meta_policy(site_policy(connect, images)))


@pytest.mark.parametrize("path", ["/", "/index.html", "/app.js", "/config.js", "/nope", "/x/.."])
def test_every_site_answer_carries_the_policy_and_nosniff(start_pipeline, path):
    pipeline = start_pipeline(web_dir=REPOSITORY / "web")

    answer = requests.get(pipeline.web_url.rstrip("/") + path, timeout=10)

    policy = _directives(answer.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert sorted(policy["connect-src"]) == sorted(
        [
            _origin(pipeline.api_url),
            _origin(pipeline.mysfits_api_url),
            _origin(pipeline.cognito.url),
        ]
    )
    # The local Mysfits API serves its pictures over http, so its origin joins https: images.
    assert policy["img-src"] == ["'self'", "https:", _origin(pipeline.mysfits_api_url)]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["require-trusted-types-for"] == ["'script'"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
