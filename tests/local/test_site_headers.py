"""The local site is served under the Content-Security-Policy the README tells users to deploy."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests

from clickstream.local.web import content_security_policy

from .conftest import REPOSITORY

README_API = "https://<api-id>.execute-api.<region>.amazonaws.com"
README_MYSFITS = "https://<mysfits-api-host>"
README_COGNITO = "https://cognito-idp.<region>.amazonaws.com"


def _directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_policy_is_the_readme_s():
    readme = " ".join((REPOSITORY / "README.md").read_text(encoding="utf-8").split())
    (documented,) = re.findall(r"`(default-src [^`]+)`", readme)

    assert _directives(
        content_security_policy([README_API, README_MYSFITS, README_COGNITO])
    ) == _directives(documented)


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
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
