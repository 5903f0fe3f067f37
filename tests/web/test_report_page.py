"""The page ``generate.py report --html`` makes, opened as a file in the project's Chromium.

Two buckets. The README's sample visits (docs/make_sample.py: three days of visitors who view,
sign in, like and adopt, a few crawlers, a few clicks delivered twice) sent through the
pipeline's own processor, and two clicks it could not enrich (under errors/). And the visitors
``generate.py simulate`` sends through a running local runner's clicks API, as a newcomer makes
them. The page and the ``--json`` answers come from two runs of the command over the same bucket
and window.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from web_harness import CSP_LISTENER, REPO, Observed

from clickstream.commands.report import main as report
from clickstream.local import LocalPipeline
from clickstream.standins.mysfits import CATALOG
from clickstream.standins.server import MysfitsServer
from tests.local.conftest import start_runner
from tests.report.buckets import TimedDelivery, firehose_record

pytestmark = pytest.mark.browser

TEMPLATE = REPO / "templates" / "clickstream.json"
AXE = Axe()
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
UNKNOWN_MYSFIT = "00000000-0000-4000-8000-00000000dead"  # not in the catalog
# The words on the page for each figure, as a reader finds them (not the code's table).
TOTALS = {
    "Events": "events",
    "Profile views": "profileViews",
    "Likes": "likes",
    "Adoptions": "adoptions",
    "Visitors": "visitors",
    "Signed-in users": "signedInUsers",
    "Bot events (left out)": "botEvents",
}
MEDIANS = {
    "Median profiles viewed": "medianProfilesViewed",
    "Median distinct mysfits viewed": "medianDistinctMysfitsViewed",
    "Median minutes from the first view": "medianMinutesFromFirstView",
}
BEFORE_ADOPTION = {
    "Adoptions": "adoptions",
    **MEDIANS,
    "Adopted without a view before": "adoptedWithoutViewing",
}
BEFORE_LIKE = {"Likes": "likes", **MEDIANS, "Liked without a view before": "likedWithoutViewing"}
SESSIONS = {
    "Sessions": "sessions",
    "Median events per session": "medianEventsPerSession",
    "Median minutes per session": "medianMinutes",
    "Bounce rate": "bounceRate",
}
HOSTILE = [
    '<script>document.title="owned"</script>',
    "\"'><img src=x onerror=alert(1)>",
    "\u202eevil\u202c Gretta",  # a right-to-left override, then its end
    "\u200fمرحبا & </table><style>*{display:none}</style>",  # noqa: RUF001 (Arabic)
    "$\\frac$ &amp; {{name}}",  # mathtext to matplotlib, an entity, a template
]


def _load_sample() -> object:
    spec = importlib.util.spec_from_file_location("make_sample", REPO / "docs" / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_report(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = report(list(argv))
    return status, out.getvalue(), err.getvalue()


def made(bucket: Path, page: Path, window: list[str]) -> SimpleNamespace:
    """The --json answers and the --html page of the same bucket and window."""
    status, out, err = run_report("--bucket-dir", str(bucket), *window, "--json")
    assert status == 0, err
    status, _, html_err = run_report("--bucket-dir", str(bucket), *window, "--html", str(page))
    assert status == 0, html_err
    return SimpleNamespace(path=page, url=page.as_uri(), answers=json.loads(out), err=err)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> SimpleNamespace:
    scratch = tmp_path_factory.mktemp("sample")
    with LocalPipeline(TEMPLATE, scratch / "bucket", web_dir=None) as pipeline:
        window = _load_sample().fill(pipeline)
        delivery = TimedDelivery(pipeline)
        for minute in (1, 2):
            at = datetime(2026, 11, 25, 12, minute, tzinfo=UTC)
            delivery.put(firehose_record("profile", "guest", UNKNOWN_MYSFIT, at))
        assert delivery.flush() == (0, 2)
    page = made(scratch / "bucket", scratch / "report.html", window)
    page.errors = 2
    return page


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> SimpleNamespace:
    """A bucket filled by ``generate.py simulate`` through the local runner, then the runner
    stopped (it delivers what it buffered)."""
    scratch = tmp_path_factory.mktemp("simulated")
    bucket = scratch / "bucket"
    process, urls = start_runner(bucket, "--interval-scale", "0.01", stderr=subprocess.DEVNULL)
    try:
        assert "site" in urls, "the runner did not start"
        sent = subprocess.run(
            [sys.executable, "generate.py", "simulate", "--site", urls["site"],
             "--visitors", "30", "--seed", "5", "--json"],
            cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stderr
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    page = made(bucket, scratch / "report.html", [])
    assert page.answers["totals"] == json.loads(sent.stdout)["totals"]
    page.errors = 0
    return page


@pytest.fixture(params=["sample", "simulated"])
def bucket(request) -> SimpleNamespace:
    """Each page the browser tests open: from the sample visits, and from simulated ones."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def opened(browser) -> Iterator:
    """opened(url, width) -> (page, observed, requests): every request the page makes is
    recorded, and only the page's own file is let through."""
    contexts = []

    def open_(url: str, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        context.add_init_script(CSP_LISTENER)
        requested: list[str] = []

        def route(route) -> None:
            requested.append(route.request.url)
            if route.request.url == url:
                route.continue_()
            else:
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        observed = Observed()
        page.on("console", lambda m: observed.console.append((m.type, m.text, "")))
        page.on("pageerror", lambda e: observed.page_errors.append(str(e)))
        page.on("dialog", lambda d: observed.page_errors.append(f"dialog: {d.message}"))
        page.goto(url)
        page.wait_for_load_state("load")
        return page, observed, requested

    yield open_
    for context in contexts:
        context.close()


def violations(page) -> list[str]:
    results = AXE.run(page, options={**WCAG_AA, "resultTypes": ["violations"]}).response
    return [
        f"{v['id']}: {', '.join(t for n in v['nodes'] for t in map(str, n['target']))}"
        for v in results["violations"]
    ]


@pytest.mark.parametrize("width", [375, 1280])
def test_no_request_leaves_the_page_and_nothing_is_refused(bucket, opened, width):
    page, observed, requested = opened(bucket.url, width)

    assert requested == [bucket.url]
    assert observed.problems() == []
    assert observed.csp_violations() == []
    assert observed.console == []  # nothing at all on the console
    assert page.evaluate("document.scripts.length") == 0


def test_the_checks_above_would_see_a_refused_style(opened, tmp_path, sample):
    """They can fail: the page's policy refuses a style attribute and a style element it did
    not hash, and Chromium says so on the console."""
    tampered = tmp_path / "tampered.html"
    html = sample.path.read_text(encoding="utf-8")
    html = html.replace("<main>", '<main style="color: red"><style>p{}</style>', 1)
    tampered.write_text(html, encoding="utf-8")

    _, observed, _ = opened(tampered.as_uri())

    refused = [p for p in observed.problems() if "Content Security Policy" in p]
    assert len(refused) == 2, observed.console


@pytest.mark.parametrize("width", [375, 1280])
def test_axe_finds_nothing_and_nothing_scrolls_sideways(bucket, opened, artifacts, width, request):
    page, _, _ = opened(bucket.url, width)

    assert violations(page) == []
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    name = request.node.callspec.params["bucket"]
    page.screenshot(path=artifacts / f"report-page-{name}-{width}.png", full_page=True)


def test_it_prints_on_a4_without_overflow(sample, opened):
    page, _, _ = opened(sample.url)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})  # A4's width less 1 cm margins

    assert page.evaluate("document.scrollingElement.scrollWidth") <= 718
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('svg, table')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= 718
    assert page.pdf(format="A4").startswith(b"%PDF")


READ_PAGE = """() => {
  const cell = (c) => ({
    text: c.textContent.trim(),
    data: [...c.querySelectorAll('data')].map(d => ({value: d.value, text: d.textContent})),
  });
  const sections = {};
  const leads = {};
  for (const s of document.querySelectorAll('main section')) {
    leads[s.id] = cell(s.querySelector('p.lead'));
    sections[s.id] = [...s.querySelectorAll('table')].map(t => ({
      headers: [...t.querySelectorAll('thead th')].map(th => th.textContent.trim()),
      rows: [...t.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(cell)),
    }));
  }
  const about = {};
  for (const dt of document.querySelectorAll('#about dt')) {
    about[dt.textContent.trim()] = cell(dt.nextElementSibling);
  }
  const stray = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest('svg, data, time, code')) continue;
    stray.push(...(node.textContent.match(/[0-9]+/g) || []));
  }
  return {
    sections, leads, about, stray,
    lead: cell(document.querySelector('header .lead')),
    data: document.querySelectorAll('data').length,
  };
}"""


class Numbers:
    """Each number the page shows, checked against the JSON: its value as --json writes it,
    and its text as a person reads it (rounded, with separators, or as a percentage)."""

    def __init__(self) -> None:
        self.checked = 0

    def one(self, cell: dict, expected: int | float | None) -> None:
        if expected is None:
            assert cell["data"] == [] and cell["text"] == "none", cell
            return
        (data,) = cell["data"]
        assert json.loads(data["value"]) == expected, (cell, expected)
        self.reads_as(data["text"], expected)
        self.checked += 1

    def reads_as(self, text: str, expected: int | float) -> None:
        if text.endswith("%"):
            assert float(text[:-1]) == pytest.approx(expected * 100, abs=0.05), text
        elif isinstance(expected, int):
            assert int(text.replace(",", "")) == expected, text
        else:
            assert float(text.replace(",", "")) == pytest.approx(expected, abs=0.005), text

    def figures(self, table: dict, words: dict[str, str], expected: dict) -> None:
        shown = {row[0]["text"]: row[1] for row in table["rows"]}
        assert set(shown) == set(words), shown.keys()
        assert {words[label] for label in shown} == set(expected)
        for label, cell in shown.items():
            self.one(cell, expected[words[label]])


def test_every_number_shown_is_the_json_answer(bucket, opened):
    page, _, _ = opened(bucket.url)
    seen = page.evaluate(READ_PAGE)
    answers, sections, numbers = bucket.answers, seen["sections"], Numbers()
    totals = answers["totals"]
    assert totals["events"] > 100 and totals["likes"] and totals["adoptions"]  # not an empty page

    # The one sentence under the title: visitors, then events.
    visitors, events = seen["lead"]["data"]
    numbers.one({"data": [visitors], "text": ""}, answers["totals"]["visitors"])
    numbers.one({"data": [events], "text": ""}, answers["totals"]["events"])
    (totals,) = sections["totals"]
    numbers.figures(totals, TOTALS, answers["totals"])
    for key, words in (
        ("before-adoption", BEFORE_ADOPTION),
        ("before-like", BEFORE_LIKE),
        ("sessions", SESSIONS),
    ):
        (table,) = sections[key]
        json_key = {"before-adoption": "beforeAdoption", "before-like": "beforeLike"}.get(key, key)
        numbers.figures(table, words, answers[json_key])
        # The sentence that opens the section says over how many the medians are.
        (count,) = seen["leads"][key]["data"]
        numbers.one({"data": [count], "text": ""}, answers[json_key][next(iter(words.values()))])

    (funnel,) = sections["funnel"]
    assert funnel["headers"] == ["Mysfit", "Viewers", "Likers", "Adopters"]
    expected = list(answers["funnelByMysfit"].values())  # most viewed first
    assert [row[0]["text"] for row in funnel["rows"]] == [e["name"] for e in expected]
    for row, entry in zip(funnel["rows"], expected, strict=True):
        for cell, step in zip(row[1:], ("viewers", "likers", "adopters"), strict=True):
            numbers.one(cell, entry[step])

    (per_mysfit,) = sections["views-per-mysfit"]
    expected = list(answers["clicksByMysfit"].values())
    assert [row[0]["text"] for row in per_mysfit["rows"]] == [e["name"] for e in expected]
    for row, entry in zip(per_mysfit["rows"], expected, strict=True):
        numbers.one(row[1], entry["clicks"])

    (grid,) = sections["views-per-alignment"]
    alignment = answers["clicksByAlignment"]
    columns = grid["headers"][1:]
    assert set(columns) == {law for row in alignment.values() for law in row}
    assert [row[0]["text"] for row in grid["rows"]] == ["Good", "Neutral", "Evil"]
    assert columns == ["Lawful", "Neutral", "Chaotic"]
    for row in grid["rows"]:
        for cell, column in zip(row[1:], columns, strict=True):
            numbers.one(cell, alignment.get(row[0]["text"], {}).get(column, 0))

    (hours,) = sections["views-per-hour"]
    assert [row[0]["text"] for row in hours["rows"]] == [f"{h}:00" for h in answers["clicksByHour"]]
    for row, count in zip(hours["rows"], answers["clicksByHour"].values(), strict=True):
        numbers.one(row[1], count)

    (days,) = sections["views-per-day"]
    expected = [(d, e) for d, ranked in answers["topMysfitsByDay"].items() for e in ranked]
    assert [(row[0]["text"], row[2]["text"]) for row in days["rows"]] == [
        (day, entry["name"]) for day, entry in expected
    ]
    for row, (_, entry) in zip(days["rows"], expected, strict=True):
        numbers.one(row[1], entry["rank"])
        numbers.one(row[3], entry["clicks"])

    # About: the bots left out, and the clicks under errors/ as the command's stderr says.
    numbers.one(seen["about"]["Bot events left out"], answers["totals"]["botEvents"])
    kept = seen["about"]["Clicks under errors/"]
    if bucket.errors:
        said = re.search(r"(\d+) clicks? in (\d+) objects?", bucket.err)
        clicks, objects = map(int, said.groups())
        assert clicks == bucket.errors
        assert [json.loads(d["value"]) for d in kept["data"]] == [clicks, objects]
        numbers.checked += 2
    else:
        assert "errors/" not in bucket.err
        assert kept["data"] == [] and kept["text"] == "none"

    # Every number on the page was one of those; the only other digits are the 30 minutes
    # that end a session.
    assert numbers.checked == seen["data"]
    assert seen["stray"] == ["30"]


def test_the_charts_name_the_mysfits_and_say_what_they_show(sample, opened):
    page, _, _ = opened(sample.url)

    charts = page.locator("svg[role=img]")
    assert charts.count() == 5
    for index in range(charts.count()):
        name = charts.nth(index).evaluate("e => e.getAttribute('aria-labelledby')")
        assert page.locator(f"#{name}").inner_text().endswith("(numbers in the table below)")
    labels = page.locator("#views-per-mysfit svg text").all_text_contents()
    names = [entry["name"] for entry in sample.answers["clicksByMysfit"].values()]
    assert set(names) <= set(labels)
    html = sample.path.read_text(encoding="utf-8")
    assert not any(mysfit_id in html for mysfit_id in sample.answers["clicksByMysfit"])


def test_an_empty_window_is_a_page_that_says_so(sample, opened, tmp_path):
    empty = made(sample.path.parent / "bucket", tmp_path / "empty.html", ["--until", "2026-01-31"])
    assert empty.answers["totals"]["events"] == 0

    page, observed, requested = opened(empty.url, 375)

    assert page.get_by_role("heading", name="No clicks in this window").is_visible()
    assert page.locator("svg, figure, table").count() == 0
    assert violations(page) == []
    assert requested == [empty.url] and observed.console == []


@pytest.fixture
def hostile(tmp_path) -> SimpleNamespace:
    """A Mysfits catalog whose names and one alignment are hostile, a view of each such mysfit
    through the pipeline, and the page."""
    catalog = [dict(mysfit) for mysfit in CATALOG]
    for mysfit, name in zip(catalog, HOSTILE, strict=False):
        mysfit["name"] = name
    catalog[0]["goodevil"] = "<b>Good</b>"
    with (
        MysfitsServer(catalog=catalog) as mysfits,
        LocalPipeline(
            TEMPLATE, tmp_path / "bucket", web_dir=None, mysfits_api_url=mysfits.url
        ) as pipeline,
    ):
        delivery = TimedDelivery(pipeline)
        for number, mysfit in enumerate(catalog[: len(HOSTILE)]):
            at = datetime(2026, 3, 1, 12, number, tzinfo=UTC)
            delivery.put(firehose_record("profile", f"user{number}", mysfit["mysfitId"], at))
        assert delivery.flush() == (len(HOSTILE), 0)
    window = ["--since", "2026-03-01", "--until", "2026-03-01"]
    return made(tmp_path / "bucket", tmp_path / "hostile.html", window)


def test_hostile_names_show_as_text(hostile, opened):
    assert {e["name"] for e in hostile.answers["clicksByMysfit"].values()} == set(HOSTILE)

    page, observed, requested = opened(hostile.url)

    assert requested == [hostile.url]
    assert observed.console == [] and observed.page_errors == []
    assert page.title() == "Mysfits clicks, 2026-03-01 to 2026-03-01"
    assert page.locator("script, img, body style, main b").count() == 0
    assert page.locator("#views-per-mysfit").is_visible()
    names = page.locator("#views-per-mysfit tbody th bdi").all_text_contents()
    assert sorted(names) == sorted(HOSTILE)
    labels = page.locator("#views-per-mysfit svg text").all_text_contents()
    assert set(HOSTILE) <= set(labels)
    assert "<b>Good</b>" in page.locator("#views-per-alignment tbody th").all_text_contents()
    assert violations(page) == []
