"""The page's charts: drawn from the report's JSON with matplotlib, as SVG to put inline.

Each chart is plain SVG that needs nothing from outside and nothing a strict
Content-Security-Policy refuses: no script, no ``<style>`` element and no ``style`` attribute
(matplotlib's declarations become presentation attributes, which CSP does not govern), text
as text (``svg.fonttype: none``), no ``<metadata>``. Ids are kept only where the chart refers
to them (clip paths, tick marks), prefixed by the chart's name so that charts on one page never
share one. The same report gives the same bytes (``svg.hashsalt``, no date).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from clickstream.commands.report.answers import require
from clickstream.commands.report.labels import LABELS

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_HREF = f"{{{XLINK_NS}}}href"
# Alignment axes in the order people say them; values the catalog adds come after, sorted.
GOOD_EVIL = ("Good", "Neutral", "Evil")
LAW_CHAOS = ("Lawful", "Neutral", "Chaotic")
HOURS = range(24)
STEPS = ("viewers", "likers", "adopters")
COLOURS = {"viewers": "#2f5f8f", "likers": "#b7791f", "adopters": "#2f7d3a"}
BAR = "#2f5f8f"
WIDTH_INCHES = 6.4
# Text as text; a name is never read as mathtext ("$…$" would be typeset, or refused).
_FONT = {
    "font.size": 10,
    "font.family": "sans-serif",
    "svg.fonttype": "none",
    "text.parse_math": False,
}


def display_name(name: str | None) -> str:
    """A mysfit as people know it; a line written before names were carried has none."""
    return name if name else "Unnamed mysfit"


def ordered(values: list[str], preferred: tuple[str, ...]) -> list[str]:
    """``preferred`` first (those present), then any other value, sorted."""
    return [v for v in preferred if v in values] + sorted(v for v in values if v not in preferred)


def alignment_axes(grid: dict[str, dict[str, int]]) -> tuple[list[str], list[str]]:
    """The grid's rows (good or evil) and columns (lawful or chaotic), as the page orders them."""
    columns = sorted({law for row in grid.values() for law in row})
    return ordered(list(grid), GOOD_EVIL), ordered(columns, LAW_CHAOS)


def _draw(name: str, height: float, draw: Callable[[Any], None]) -> str:
    matplotlib = require("matplotlib", "--html")
    figure_module = require("matplotlib.figure", "--html")
    with matplotlib.rc_context({"svg.hashsalt": f"mysfits-{name}", **_FONT}):
        figure = figure_module.Figure(figsize=(WIDTH_INCHES, height), layout="constrained")
        draw(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return inline_svg(buffer.getvalue(), name)


def inline_svg(document: bytes, prefix: str) -> str:
    """matplotlib's SVG document as an element to put in a page (see the module's docstring)."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(document)
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rsplit("}", 1)[-1]
            if tag in ("metadata", "style"):
                parent.remove(child)
    # The defaults the removed <style> set, inherited by every shape.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    referenced = set()
    for element in root.iter():
        href = element.get(_HREF, "")
        if href.startswith("#"):
            referenced.add(href[1:])
        clip = element.get("clip-path", "")
        if clip.startswith("url(#"):
            referenced.add(clip[5:-1])
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                key, _, value = declaration.partition(":")
                if key.strip():
                    element.set(key.strip(), value.strip())
        own = element.attrib.pop("id", None)
        if own in referenced:
            element.set("id", f"{prefix}-{own}")
        href = element.get(_HREF, "")
        if href.startswith("#"):
            element.set(_HREF, f"#{prefix}-{href[1:]}")
        clip = element.get("clip-path", "")
        if clip.startswith("url(#"):
            element.set("clip-path", f"url(#{prefix}-{clip[5:]}")
    return ET.tostring(root, encoding="unicode")


def _rows_height(rows: int) -> float:
    return 1.0 + 0.32 * max(rows, 2)


def funnel(report: dict[str, Any]) -> str:
    """Per mysfit, most viewed at the top: viewers, likers and adopters side by side."""
    rows = list(report["funnelByMysfit"].values())[::-1]

    def draw(figure: Any) -> None:
        axes = figure.subplots()
        height = 0.8 / len(STEPS)
        for number, step in enumerate(STEPS):
            offset = (1 - number) * height  # viewers on top: y counts upwards
            axes.barh(
                [row + offset for row in range(len(rows))],
                [entry[step] for entry in rows],
                height=height,
                color=COLOURS[step],
                label=LABELS[step],
            )
        axes.set_yticks(range(len(rows)), [display_name(entry["name"]) for entry in rows])
        axes.set_xlabel("visitors (viewers) and signed-in users (likers, adopters)")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.legend(loc="lower right")

    return _draw("funnel", 1.0 + 0.4 * max(len(rows), 2), draw)


def views_per_mysfit(report: dict[str, Any]) -> str:
    rows = list(report["clicksByMysfit"].values())[::-1]  # most viewed at the top

    def draw(figure: Any) -> None:
        axes = figure.subplots()
        # By position, each tick labelled: two mysfits of one name stay two bars.
        axes.barh(range(len(rows)), [entry["clicks"] for entry in rows], color=BAR)
        axes.set_yticks(range(len(rows)), [display_name(entry["name"]) for entry in rows])
        axes.set_xlabel("profile views")
        axes.xaxis.get_major_locator().set_params(integer=True)

    return _draw("mysfits", _rows_height(len(rows)), draw)


def views_per_alignment(report: dict[str, Any]) -> str:
    """The good/evil by lawful/chaotic grid, each cell shaded by its views and labelled."""
    grid = report["clicksByAlignment"]
    rows, columns = alignment_axes(grid)
    counts = [[grid.get(row, {}).get(column, 0) for column in columns] for row in rows]
    top = max((count for line in counts for count in line), default=0) or 1

    def draw(figure: Any) -> None:
        axes = figure.subplots()
        axes.pcolormesh(counts, cmap="Blues", vmin=0, vmax=top, edgecolors="#ffffff")
        for y, line in enumerate(counts):
            for x, count in enumerate(line):
                colour = "#ffffff" if count > top * 0.55 else "#1a1a1a"
                axes.text(x + 0.5, y + 0.5, str(count), ha="center", va="center", color=colour)
        axes.set_xticks([x + 0.5 for x in range(len(columns))], columns)
        axes.set_yticks([y + 0.5 for y in range(len(rows))], rows)
        axes.invert_yaxis()  # good at the top
        axes.xaxis.tick_top()
        axes.tick_params(length=0)

    return _draw("alignment", 0.8 + 0.6 * max(len(rows), 2), draw)


def views_per_hour(report: dict[str, Any]) -> str:
    by_hour = report["clicksByHour"]
    counts = [by_hour.get(f"{hour:02d}", 0) for hour in HOURS]

    def draw(figure: Any) -> None:
        axes = figure.subplots()
        axes.bar(list(HOURS), counts, color=BAR)
        axes.set_xticks(list(HOURS)[::3], [f"{hour:02d}" for hour in HOURS][::3])
        axes.set_xlim(-0.6, 23.6)
        axes.set_xlabel("hour of the day (UTC)")
        axes.set_ylabel("profile views")
        axes.yaxis.get_major_locator().set_params(integer=True)

    return _draw("hours", 2.6, draw)


def views_per_day(report: dict[str, Any]) -> str:
    """Each day's most viewed mysfits, the days in order, each day's first at the top."""
    entries = [
        (day, entry) for day, ranked in report["topMysfitsByDay"].items() for entry in ranked
    ][::-1]
    days = list(report["topMysfitsByDay"])

    def draw(figure: Any) -> None:
        axes = figure.subplots()
        axes.barh(
            range(len(entries)),
            [entry["clicks"] for _, entry in entries],
            color=[("#2f5f8f", "#5b8cbf")[days.index(day) % 2] for day, _ in entries],
        )
        axes.set_yticks(
            range(len(entries)),
            [f"{day}  {display_name(entry['name'])}" for day, entry in entries],
        )
        axes.set_xlabel("profile views that day")
        axes.xaxis.get_major_locator().set_params(integer=True)

    return _draw("days", _rows_height(len(entries)), draw)
