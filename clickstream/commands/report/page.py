"""``--html FILE``: the report as one self-contained page anyone can open, print or share.

The page shows the report's JSON (``as_json``), the same object ``--json`` prints: nothing is
counted again here. Each section opens with one sentence saying what it shows; each chart
(``charts.py``, inline SVG drawn at build time) has its numbers beside it in a table. Every
number from the answers is a ``<data value="…">`` holding the JSON's value as ``--json``
writes it, shown rounded for reading.

Safe to open: no script, nothing loaded from anywhere, a Content-Security-Policy meta tag that
allows only the page's own ``<style>`` element (by its hash), every string from the data escaped
(and isolated with ``<bdi>``, so a right-to-left mark in a name cannot turn the text around it).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from clickstream.cli import write_atomically
from clickstream.commands.report import charts
from clickstream.commands.report.errors import KeptClicks
from clickstream.commands.report.labels import LABELS, RATES
from clickstream.queries import Window

STYLE = """
:root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8;
  --band: #f3f5f8; --accent: #2f5f8f; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #ffffff;
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 52rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.5rem; border-bottom: 3px solid var(--accent); }
h1 { font-size: 1.6rem; line-height: 1.2; margin: 0 0 0.5rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.25rem; }
p { margin: 0.25rem 0 0.75rem; }
.lead { font-size: 1.05rem; }
.note { color: var(--muted); }
section { overflow-wrap: break-word; }
figure { margin: 0.5rem 0 1rem; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.25rem; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n, time { white-space: nowrap; }
tbody tr:nth-child(even) { background: var(--band); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
footer { margin-top: 2rem; padding-bottom: 2rem; color: var(--muted); font-size: 0.9rem; }
@media (max-width: 30rem) {
  h1 { font-size: 1.35rem; }
  th, td { padding: 0.25rem 0.3rem; }
  dl { grid-template-columns: 1fr; }
  dd { margin-bottom: 0.5rem; }
}
@media print {
  body { font-size: 10.5pt; }
  header, main, footer { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, table, dl { break-inside: avoid; }
  tbody tr:nth-child(even) { background: none; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# Nothing but the page's own style element: no script, no request of any kind, no base URL
# to rewrite links against, no form to send.
CSP = f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True)
class About:
    """What the page says about itself: the window, when and from what it was made, the clicks
    under errors/ (not in the answers)."""

    window: Window
    made_at: datetime  # UTC
    source: str  # what answered: "the local bucket", "the named queries on Athena of stack"
    where: str  # its name: the bucket's folder, the stack's name
    kept: KeptClicks


def text(value: Any) -> str:
    return escape(str(value), quote=True)


def name(value: str | None) -> str:
    """A mysfit's name as text, isolated from the text around it."""
    return f"<bdi>{text(charts.display_name(value))}</bdi>"


def shown(value: int | float, key: str = "") -> str:
    """A number as people read it: integers with thousands separators, others to two places
    (no trailing zeros), rates as a percentage."""
    if key in RATES:
        return f"{value:.1%}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def number(value: int | float | None, key: str = "") -> str:
    """A number from the answers: its exact value (as --json writes it) and its reading."""
    if value is None:
        return '<span class="none">none</span>'
    return f'<data value="{text(json.dumps(value))}">{shown(value, key)}</data>'


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{number(count)} {one if count == 1 else (many or one + 's')}"


def _figures_table(figures: dict[str, Any], caption: str) -> str:
    rows = "".join(
        f'<tr><th scope="row">{text(LABELS[key])}</th><td class="n">{number(value, key)}</td></tr>'
        for key, value in figures.items()
    )
    return f"<table><caption>{text(caption)}</caption><tbody>{rows}</tbody></table>"


def _table(caption: str, headers: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """Cells are HTML already (escaped by whoever made them); the first column heads its row."""
    head = "".join(
        f'<th scope="col"{" class=n" if i in numeric else ""}>{text(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            (
                f'<th scope="row">{cell}</th>'
                if i == 0
                else f"<td{' class=n' if i in numeric else ''}>{cell}</td>"
            )
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption>{text(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _figure(key: str, svg: str, caption: str) -> str:
    """A chart, named by its caption; the table after it holds its numbers."""
    caption_id = f"{key}-chart"
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{caption_id}" ', 1)
    return f'<figure>{svg}<figcaption id="{caption_id}">{text(caption)}</figcaption></figure>'


def _section(key: str, title: str, lead: str, *body: str) -> str:
    return (
        f'<section id="{key}" aria-labelledby="{key}-title">'
        f'<h2 id="{key}-title">{text(title)}</h2><p class="lead">{lead}</p>{"".join(body)}'
        "</section>"
    )


def _totals(report: dict[str, Any]) -> str:
    totals = report["totals"]
    notes = []
    if totals["visitors"] == 1:
        notes.append(
            f'<p class="note">{plural(1, "visitor")}: every figure on this page is that '
            "visitor's own, and every median is that visitor's value.</p>"
        )
    return _section(
        "totals",
        "Totals",
        "Every event of the window, each counted once. Bot events are left out of every "
        "figure on this page, and counted only here.",
        _figures_table(totals, "Events, visitors and signed-in users"),
        *notes,
    )


def _funnel(report: dict[str, Any]) -> str:
    rows = [
        [name(entry["name"]), *(number(entry[step]) for step in charts.STEPS)]
        for entry in report["funnelByMysfit"].values()
    ]
    return _section(
        "funnel",
        "From a view to a like and an adoption",
        "For each mysfit, most viewed first: how many visitors opened its profile, and how "
        "many signed-in users liked it and adopted it. Read a row from left to right; only "
        "signed-in users can like or adopt.",
        _figure(
            "funnel",
            charts.funnel(report),
            "Viewers, likers and adopters per mysfit (numbers in the table below)",
        ),
        _table(
            "Viewers, likers and adopters per mysfit",
            ["Mysfit", *(LABELS[step] for step in charts.STEPS)],
            rows,
            {1, 2, 3},
        ),
    )


def _before(report: dict[str, Any], key: str, event: str, events: str) -> str:
    """beforeAdoption or beforeLike: the same shape, said for adoptions or for likes."""
    figures = report[key]
    count = figures[events]
    if count == 0:
        note = f"No {event} in this window, so there is no median to show."
    elif count == 1:
        note = f"{plural(1, event)}: each median is that {event}'s own value, not a middle of many."
    else:
        note = (
            f"A median is the middle value over the {plural(count, event)} (half were "
            "higher, half lower); minutes count only those with a view before them."
        )
    return _section(
        "before-adoption" if key == "beforeAdoption" else "before-like",
        f"What visitors did before {'adopting' if key == 'beforeAdoption' else 'liking'}",
        f"For each {event}, the profile views the same visitor made before it: in the same "
        f"tab, or as the same signed-in user in another tab. {note}",
        _figures_table(figures, f"Profile views before each {event}"),
    )


def _sessions(report: dict[str, Any]) -> str:
    figures = report["sessions"]
    count = figures["sessions"]
    if count == 1:
        note = (
            f"{plural(1, 'session')}: each median is that session's own value, and the bounce "
            "rate can only be 0% or 100%."
        )
    else:
        note = f"Medians and the bounce rate are over {plural(count, 'session')}."
    return _section(
        "sessions",
        "Sessions",
        "A session is one visitor's events with no gap of more than 30 minutes between two of "
        f"them; a bounce is a session of a single profile view and nothing else. {note}",
        _figures_table(figures, "Sessions"),
    )


def _views_per_mysfit(report: dict[str, Any]) -> str:
    rows = [[name(e["name"]), number(e["clicks"])] for e in report["clicksByMysfit"].values()]
    return _section(
        "views-per-mysfit",
        "Profile views per mysfit",
        "How often each mysfit's profile was opened, most viewed first.",
        _figure(
            "mysfits",
            charts.views_per_mysfit(report),
            "Profile views per mysfit (numbers in the table below)",
        ),
        _table("Profile views per mysfit", ["Mysfit", LABELS["clicks"]], rows, {1}),
    )


def _views_per_alignment(report: dict[str, Any]) -> str:
    grid = report["clicksByAlignment"]
    rows, columns = charts.alignment_axes(grid)
    cells = [
        [text(row), *(number(grid.get(row, {}).get(column, 0)) for column in columns)]
        for row in rows
    ]
    return _section(
        "views-per-alignment",
        "Profile views per alignment",
        "Profile views by the mysfits' alignment: good or evil down the side, lawful or "
        "chaotic across; the darker the cell, the more views.",
        _figure(
            "alignment",
            charts.views_per_alignment(report),
            "Profile views per alignment, as a grid (numbers in the table below)",
        ),
        _table(
            "Profile views per alignment (rows: good or evil; columns: lawful or chaotic)",
            ["Good or evil", *columns],
            cells,
            set(range(1, len(columns) + 1)),
        ),
    )


def _views_per_hour(report: dict[str, Any]) -> str:
    rows = [
        [f"<time>{text(hour)}:00</time>", number(count)]
        for hour, count in report["clicksByHour"].items()
    ]
    return _section(
        "views-per-hour",
        "Profile views per hour of the day",
        "When profiles were opened, by the hour of the day in UTC, over every day of the "
        "window. Hours without a view are left out of the table.",
        _figure(
            "hours",
            charts.views_per_hour(report),
            "Profile views per hour of the day, UTC (numbers in the table below)",
        ),
        _table("Profile views per hour (UTC)", ["Hour (UTC)", LABELS["clicks"]], rows, {1}),
    )


def _views_per_day(report: dict[str, Any]) -> str:
    rows = [
        [
            f'<time datetime="{text(day)}">{text(day)}</time>',
            number(entry["rank"]),
            name(entry["name"]),
            number(entry["clicks"]),
        ]
        for day, ranked in report["topMysfitsByDay"].items()
        for entry in ranked
    ]
    return _section(
        "views-per-day",
        "The most viewed mysfits of each day",
        "For each day (UTC), the three most viewed mysfits; mysfits with as many views share "
        "a place.",
        _figure(
            "days",
            charts.views_per_day(report),
            "Profile views of each day's most viewed mysfits (numbers in the table below)",
        ),
        _table(
            "The three most viewed mysfits of each day (UTC)",
            ["Day (UTC)", "Place", "Mysfit", LABELS["clicks"]],
            rows,
            {1, 3},
        ),
    )


def _kept(kept: KeptClicks) -> str:
    if not kept.objects:
        return "none"
    replay = "<code>generate.py replay</code> sends them back"
    if kept.clicks is None:  # on AWS: listed, not read
        what = f"{plural(kept.objects, 'object')} ({number(kept.size)} bytes) of clicks"
        replay = "<code>generate.py replay --dry-run</code> counts their clicks, " + replay
    else:
        what = f"{plural(kept.clicks, 'click')} in {plural(kept.objects, 'object')}"
    return (
        f"{what} under <code>{text(kept.where)}</code>: they could not be enriched and are not "
        f"on this page ({replay})"
    )


def _about(report: dict[str, Any], about: About) -> str:
    window, made = about.window, about.made_at
    return _section(
        "about",
        "About this page",
        "What this page counts, and what it leaves out.",
        "<dl>"
        f"<dt>Window</dt><dd><time>{window.since.isoformat()}</time> to "
        f"<time>{window.until.isoformat()}</time>, UTC days, both included</dd>"
        f'<dt>Made</dt><dd><time datetime="{made:%Y-%m-%dT%H:%M:%SZ}">'
        f"{made:%Y-%m-%d %H:%M} UTC</time>, from {text(about.source)} "
        f"<code>{text(about.where)}</code></dd>"
        f"<dt>Clicks under errors/</dt><dd>{_kept(about.kept)}</dd>"
        f"<dt>Bot events left out</dt><dd>{number(report['totals']['botEvents'])}</dd>"
        "</dl>",
    )


def render(report: dict[str, Any], about: About) -> str:
    """The page for ``report`` (``as_json``'s object), as text."""
    window = about.window
    title = f"Mysfits clicks, {window.since.isoformat()} to {window.until.isoformat()}"
    if report["totals"]["events"]:
        sections = [
            _totals(report),
            _funnel(report),
            _before(report, "beforeAdoption", "adoption", "adoptions"),
            _before(report, "beforeLike", "like", "likes"),
            _sessions(report),
            _views_per_mysfit(report),
            _views_per_alignment(report),
            _views_per_hour(report),
            _views_per_day(report),
        ]
        summary = (
            f"{plural(report['totals']['visitors'], 'visitor')} made "
            f"{plural(report['totals']['events'], 'event')} in this window: what they viewed, "
            "liked and adopted, and what they did before."
        )
    else:
        sections = [
            _section(
                "no-clicks",
                "No clicks in this window",
                "No visitor's click was delivered in this window, so there is nothing to count "
                "or chart yet. Open a few profiles on the site (or widen the window with "
                "<code>--since</code> and <code>--until</code>), then make this page again.",
            )
        ]
        summary = "Nothing to show yet: no visitor's click in this window."
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{text(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>Mysfits clicks, <time>{window.since.isoformat()}</time> to "
        f'<time>{window.until.isoformat()}</time></h1><p class="lead">{summary}</p></header>\n'
        f"<main>\n{chr(10).join(sections)}\n{_about(report, about)}\n</main>\n"
        "<footer><p>Made by <code>generate.py report --html</code> from the same answers as "
        "<code>--json</code>. Times are UTC.</p></footer>\n"
        "</body>\n</html>\n"
    )


def write_page(report: dict[str, Any], about: About, path: Path) -> None:
    write_atomically(path, render(report, about))
