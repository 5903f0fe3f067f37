"""The report's three forms: a readable table, a JSON object for scripts, and a chart."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from clickstream.cli import write_atomically
from clickstream.commands.report.answers import Answer, ReportError, require
from clickstream.queries import QUESTIONS

HOURS = range(24)
CHART_SUFFIXES = (".svg", ".png")


def as_json(answers: dict[str, Answer]) -> dict[str, Any]:
    """One object: ``totals``, ``clicksByMysfit`` (mysfitId -> clicks, most viewed first),
    ``clicksByAlignment`` (goodevil -> lawchaos -> clicks), ``clicksByHour`` ("00".."23" UTC ->
    clicks, hours with clicks only), ``topMysfitsByDay`` (date -> [{rank, mysfitId, clicks}])."""
    (totals,) = answers["totals"].records()
    hours = answers["clicksByHour"].records()
    days = answers["topMysfitsByDay"].records()
    if any(row["hour_utc"] is None for row in hours) or any(r["click_date"] is None for r in days):
        # Only on Athena: over a local bucket such an object is named, line and all, earlier.
        raise ReportError(
            "the clicks table holds clicks with no readable clickedAt, which the processor "
            'never writes (find their objects: SELECT "$path" FROM clicks WHERE clickedat IS NULL)'
        )
    alignment: dict[str, dict[str, int]] = {}
    for row in answers["clicksByAlignment"].records():
        alignment.setdefault(row["goodevil"], {})[row["lawchaos"]] = row["clicks"]
    by_day: dict[str, list[dict[str, Any]]] = {}
    for row in days:
        by_day.setdefault(row["click_date"], []).append(
            {"rank": row["day_rank"], "mysfitId": row["mysfitid"], "clicks": row["clicks"]}
        )
    return {
        "totals": {
            "clicks": totals["clicks"],
            "visitors": totals["visitors"],
            "guestClicks": totals["guest_clicks"],
        },
        "clicksByMysfit": {
            row["mysfitid"]: row["clicks"] for row in answers["clicksByMysfit"].records()
        },
        "clicksByAlignment": alignment,
        "clicksByHour": {f"{row['hour_utc']:02d}": row["clicks"] for row in hours},
        "topMysfitsByDay": by_day,
    }


def as_table(answers: dict[str, Answer]) -> str:
    """Each question under its heading, columns aligned, numbers on the right."""
    blocks = []
    for question in QUESTIONS:
        answer = answers[question.key]
        lines = [question.title]
        if not answer.rows:
            lines.append("  (no clicks)")
        else:
            cells = [answer.columns] + [
                ["" if v is None else str(v) for v in row] for row in answer.rows
            ]
            numeric = [
                all(isinstance(row[i], int | float) for row in answer.rows)
                for i in range(len(answer.columns))
            ]
            widths = [max(len(row[i]) for row in cells) for i in range(len(answer.columns))]
            for row in cells:
                padded = [
                    cell.rjust(width) if right else cell.ljust(width)
                    for cell, width, right in zip(row, widths, numeric, strict=True)
                ]
                lines.append("  " + "  ".join(padded).rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def write_chart(answers: dict[str, Answer], path: Path) -> None:
    """Clicks per mysfit and per hour of the day, as SVG or PNG (by ``path``'s suffix).
    The same answers give the same bytes."""
    matplotlib = require("matplotlib", "--chart")
    figure_module = require("matplotlib.figure", "--chart")
    report = as_json(answers)
    mysfits = answers["clicksByMysfit"].records()[::-1]  # most viewed at the top
    labels = [f"{row['species'] or '?'} {row['mysfitid'][:8]}" for row in mysfits]
    hours = [int(report["clicksByHour"].get(f"{hour:02d}", 0)) for hour in HOURS]
    totals = report["totals"]

    with matplotlib.rc_context({"svg.hashsalt": "mysfits-clicks", "font.size": 9}):
        figure = figure_module.Figure(figsize=(8, 7.5), layout="constrained")
        by_mysfit, by_hour = figure.subplots(2, 1, height_ratios=[max(len(labels), 4), 4])
        figure.suptitle(f"Mysfits clicks: {totals['clicks']} clicks, {totals['visitors']} visitors")
        bars = by_mysfit.barh(labels, [row["clicks"] for row in mysfits], color="#3b6ea5")
        # Ids in the SVG name each bar: mysfit-<mysfitId>, hour-00 … hour-23.
        for bar, row in zip(bars, mysfits, strict=True):
            bar.set_gid(f"mysfit-{row['mysfitid']}")
        by_mysfit.set_title("Clicks per mysfit", loc="left")
        by_mysfit.set_xlabel("clicks")
        by_mysfit.xaxis.get_major_locator().set_params(integer=True)
        for bar, hour in zip(by_hour.bar(list(HOURS), hours, color="#c8553d"), HOURS, strict=True):
            bar.set_gid(f"hour-{hour:02d}")
        by_hour.set_title("Clicks per hour of the day (UTC)", loc="left")
        by_hour.set_xticks(list(HOURS))
        by_hour.set_xlim(-0.6, 23.6)
        by_hour.set_ylabel("clicks")
        by_hour.yaxis.get_major_locator().set_params(integer=True)
        buffer = io.BytesIO()
        suffix = path.suffix.lower()
        metadata = {"Date": None} if suffix == ".svg" else {"Software": None}
        figure.savefig(buffer, format=suffix[1:], metadata=metadata, dpi=100)
    write_atomically(path, buffer.getvalue())
