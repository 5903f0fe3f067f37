"""Fixtures for the site page's tests: a headless Chromium and the fixture servers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import sync_playwright

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from web_harness import (  # noqa: E402
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CSP_LISTENER,
    REPO,
    WEB_DIR,
    MysfitsApiServer,
    Observed,
    SiteServer,
    StreamingApiServer,
    origin,
)

from clickstream.local import LocalPipeline  # noqa: E402


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        # A missing browser is a failure, never a skip: the page would go untested.
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium, or set CHROMIUM_PATH")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    """open_page(url, viewport=...) -> (page, observed); contexts are closed after the test."""
    contexts = []

    def open_(url: str, *, viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.set_default_timeout(5000)
        observed = Observed()
        page.on(
            "console",
            lambda m: observed.console.append((m.type, m.text, m.location.get("url", ""))),
        )
        page.on("pageerror", lambda e: observed.page_errors.append(str(e)))
        page.goto(url)
        return page, observed

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def mysfits_api() -> Iterator[MysfitsApiServer]:
    with MysfitsApiServer() as server:
        yield server


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def site(mysfits_api) -> Iterator[SimpleNamespace]:
    """The page on its own origin, the Mysfits API and a working streaming API on two others."""
    with StreamingApiServer() as streaming, SiteServer(mysfits_api.url, streaming.endpoint) as web:
        streaming.allowed_origin = origin(web.url)
        yield SimpleNamespace(url=f"{web.url}/", mysfits=mysfits_api, streaming=streaming)


@pytest.fixture
def pipeline(tmp_path) -> Iterator[LocalPipeline]:
    """The whole stack run locally from the generated template, as python -m clickstream.local."""
    with LocalPipeline(
        template=REPO / "templates" / "clickstream.json",
        bucket_dir=tmp_path / "bucket",
        web_dir=WEB_DIR,
        interval_scale=0.01,
    ) as running:
        yield running
