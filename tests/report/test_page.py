"""--html FILE: the page made from the report's answers, read as HTML (the browser tests, in
tests/web/test_report_page.py, open it in Chromium)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from clickstream.commands.report import main
from clickstream.commands.report.errors import KeptClicks
from clickstream.commands.report.local import ask_bucket
from clickstream.commands.report.output import as_json
from clickstream.commands.report.page import About, render
from clickstream.queries import Window

from .buckets import TimedDelivery, firehose_record
from .conftest import YEAR, YEAR_ARGS

ONE_DAY = Window(date(2026, 6, 1), date(2026, 6, 1))
ONE_DAY_ARGS = ("--since", "2026-06-01", "--until", "2026-06-01")
VISITOR = "00000001-0000-4000-8000-000000000001"
ANA = "6c1f3b2e-8a41-4f5e-9d2a-0b7c4e1a9f10"


class Elements(HTMLParser):
    """Every start tag with its attributes, the text of <style>, and the text outside tags."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def html_report(capsys, bucket: Path, tmp_path: Path, *window: str) -> tuple[str, dict, str]:
    """The page, the --json answers and stderr of the CLI over the same bucket and window."""
    page = tmp_path / "report.html"
    assert main([*window, "--bucket-dir", str(bucket), "--json"]) == 0
    answers = json.loads(capsys.readouterr().out)
    assert main([*window, "--bucket-dir", str(bucket), "--html", str(page)]) == 0
    err = capsys.readouterr().err
    return page.read_text(encoding="utf-8"), answers, err


@pytest.fixture
def journey_page(journey_bucket, tmp_path, capsys):
    return html_report(capsys, journey_bucket, tmp_path, *YEAR_ARGS)


def test_the_page_is_written_and_said_so(journey_page, tmp_path):
    page, _, err = journey_page
    assert page.startswith("<!doctype html>")
    assert err.splitlines()[-1] == f"report: wrote {tmp_path / 'report.html'}"


def test_no_script_and_a_strict_policy_that_allows_only_its_own_style(journey_page):
    page, _, _ = journey_page
    elements = Elements(page)

    assert elements.named("script") == []
    assert not any(name.startswith("on") for _, attrs in elements.tags for name in attrs)
    assert not any("style" in attrs for _, attrs in elements.tags)  # no style attribute
    (policy,) = [
        m["content"]
        for m in elements.named("meta")
        if (m.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    (style,) = elements.styles
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy == (
        f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    # Nothing that could load: no link, img, iframe, object; no URL in the style sheet.
    assert {"link", "img", "iframe", "object", "embed", "image"}.isdisjoint(
        name for name, _ in elements.tags
    )
    assert "url(" not in style and "@import" not in style
    # No address anywhere but the SVG namespaces' names.
    assert "://" not in re.sub(r' xmlns(:xlink)?="http://www\.w3\.org/[^"]+"', "", page)


def test_mysfits_by_name_never_by_id(journey_page, mysfit_ids):
    page, answers, _ = journey_page
    assert all(mysfit_id not in page for mysfit_id in mysfit_ids.values())
    assert all(mysfit_id in answers["clicksByMysfit"] for mysfit_id in answers["funnelByMysfit"])
    for name in ("Pauly", "CoCo", "Gretta", "Snowflake", "Rujin"):
        assert f"<bdi>{name}</bdi>" in page
        # On the charts too, as SVG text.
        assert re.search(rf"<text [^>]*>{name}</text>", page), name


def test_every_chart_is_inline_svg_with_its_numbers_beside_it(journey_page):
    page, _, _ = journey_page
    elements = Elements(page)
    charts = elements.named("svg")
    # funnel, per mysfit, per alignment, per hour, per day
    assert len(charts) == 5
    for chart in charts:
        assert chart["role"] == "img"
        assert chart["aria-labelledby"].endswith("-chart")
    ids = [attrs["id"] for _, attrs in elements.tags if "id" in attrs]
    assert len(ids) == len(set(ids)), "an id used twice"
    # No <style> in the charts, no metadata (no date, no version), nothing referred outside.
    assert page.count("<style") == 1 and "<metadata" not in page
    for _, attrs in elements.tags:
        for name in ("href", "xlink:href"):
            assert (attrs.get(name) or "#").startswith("#"), attrs
    # Each chart is followed by its table.
    assert page.count("<figure>") == len(re.findall(r"</figure><table>", page)) == 5


def test_the_same_answers_give_the_same_page(journey_bucket):
    about = About(YEAR, datetime(2026, 12, 1, 8, 30, tzinfo=UTC), "a bucket", "b", _no_errors())

    first = render(as_json(ask_bucket(journey_bucket, YEAR)), about)
    again = render(as_json(ask_bucket(journey_bucket, YEAR)), about)

    assert first == again  # charts drawn anew, to the same bytes
    assert '<time datetime="2026-12-01T08:30:00Z">2026-12-01 08:30 UTC</time>' in first


def _no_errors() -> KeptClicks:
    return KeptClicks("errors/", 0, 0, 0)


def test_an_empty_window_says_so_without_charts(pipeline, tmp_path, capsys, mysfit_ids):
    delivery = TimedDelivery(pipeline)
    may_day = datetime(2026, 5, 1, tzinfo=UTC)  # outside the window
    delivery.put(firehose_record("profile", "dan", mysfit_ids["Pauly"], may_day))
    assert delivery.flush() == (1, 0)

    page, answers, _ = html_report(capsys, pipeline.bucket_dir, tmp_path, *ONE_DAY_ARGS)

    assert answers["totals"]["events"] == 0
    assert '<h2 id="no-clicks-title">No clicks in this window</h2>' in page
    assert "<svg" not in page and "<figure" not in page and "<table" not in page
    assert "<time>2026-06-01</time> to <time>2026-06-01</time>" in page


def test_one_visitor_medians_and_rates_are_said_to_be_that_visitors(
    pipeline, tmp_path, capsys, mysfit_ids
):
    def event(kind: str, mysfit: str, minute: int, number: int) -> dict:
        return firehose_record(
            kind,
            ANA,
            mysfit_ids[mysfit],
            datetime(2026, 6, 1, 10, minute, tzinfo=UTC),
            authenticated=True,
            visitor_id=VISITOR,
            click_id=f"c11c0000-0000-4000-8000-{number:012x}",
        )

    delivery = TimedDelivery(pipeline)
    # One visitor, signed in: views Pauly and CoCo, likes and adopts Pauly, in one session.
    for record in (
        event("profile", "Pauly", 0, 1),
        event("profile", "CoCo", 3, 2),
        event("like", "Pauly", 5, 3),
        event("adopt", "Pauly", 9, 4),
    ):
        delivery.put(record)
    assert delivery.flush() == (4, 0)

    page, answers, _ = html_report(capsys, pipeline.bucket_dir, tmp_path, *ONE_DAY_ARGS)

    assert answers["totals"]["visitors"] == 1
    assert answers["sessions"]["bounceRate"] == 0.0
    text = re.sub(r"<[^>]+>", "", page)
    assert "1 visitor: every figure on this page is that visitor's own" in text
    assert "1 adoption: each median is that adoption's own value" in text
    assert "1 like: each median is that like's own value" in text
    assert "1 session: each median is that session's own value" in text
    # From the first view (10:00): 9 minutes to the adoption (10:09), 5 to the like (10:05).
    assert '<data value="9.0">9</data>' in page and '<data value="5.0">5</data>' in page
    assert '<data value="0.0">0.0%</data>' in page  # the bounce rate, as a percentage


def test_no_adoption_has_no_median(journey_bucket):
    report = as_json(ask_bucket(journey_bucket, YEAR))
    report["beforeAdoption"] = {
        "adoptions": 0,
        "medianProfilesViewed": None,
        "medianDistinctMysfitsViewed": None,
        "medianMinutesFromFirstView": None,
        "adoptedWithoutViewing": 0,
    }

    about = About(YEAR, datetime(2026, 12, 1, tzinfo=UTC), "a bucket", "b", _no_errors())
    page = render(report, about)

    section = page.split('id="before-adoption"', 1)[1].split("</section>", 1)[0]
    assert "No adoption in this window, so there is no median to show." in section
    assert section.count('<span class="none">none</span>') == 3


def test_clicks_under_errors_and_bots_are_on_the_page(journey_page):
    page, answers, _ = journey_page
    about = page.split('id="about"', 1)[1]
    assert "<dt>Clicks under errors/</dt><dd>none</dd>" in about
    assert f'<dt>Bot events left out</dt><dd><data value="{answers["totals"]["botEvents"]}">' in (
        about
    )


def test_a_page_that_cannot_be_written_is_one_line(journey_bucket, tmp_path, capsys):
    (tmp_path / "taken").mkdir()

    status = main([*YEAR_ARGS, "--bucket-dir", str(journey_bucket), "--html", str(tmp_path)])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"report: error: cannot write {tmp_path}: ") and err.count("\n") == 1


def test_on_aws_the_objects_under_errors_are_counted_not_their_clicks(journey_bucket):
    kept = KeptClicks("s3://clicks-bucket/errors/", 2, 1234, None)
    about = About(YEAR, datetime(2026, 12, 1, tzinfo=UTC), "Athena", "stack", kept)

    page = render(as_json(ask_bucket(journey_bucket, YEAR)), about)

    entry = page.split("<dt>Clicks under errors/</dt>", 1)[1].split("</dd>", 1)[0]
    line = re.sub(r"<[^>]+>", "", entry)
    assert line == (
        "2 objects (1,234 bytes) of clicks under s3://clicks-bucket/errors/: they could not be "
        "enriched and are not on this page (generate.py replay --dry-run counts their clicks, "
        "generate.py replay sends them back)"
    )


def test_two_mysfits_of_one_name_are_two_bars(journey_bucket):
    report = as_json(ask_bucket(journey_bucket, YEAR))
    for entry in report["clicksByMysfit"].values():
        entry["name"] = "Twin"
    about = About(YEAR, datetime(2026, 12, 1, tzinfo=UTC), "a bucket", "b", _no_errors())

    page = render(report, about)

    chart = page.split('id="views-per-mysfit"', 1)[1].split("</figure>", 1)[0]
    assert len(re.findall(r"<text [^>]*>Twin</text>", chart)) == len(report["clicksByMysfit"]) == 5
