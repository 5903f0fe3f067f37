"""The report's three forms: a readable table, a JSON object for scripts, and a chart."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from clickstream.cli import write_atomically
from clickstream.commands.report.answers import Answer, ReportError, require
from clickstream.commands.report.labels import RATES, camel, label
from clickstream.queries import QUESTIONS

HOURS = range(24)
CHART_SUFFIXES = (".svg", ".png")
# The questions whose answer is one row of figures: shown one figure a line, given as one object.
FIGURES = ("totals", "beforeAdoption", "beforeLike", "sessions")
FUNNEL = ("viewers", "likers", "adopters")


def as_json(answers: dict[str, Answer]) -> dict[str, Any]:
    """One object: ``totals``, ``beforeAdoption``, ``beforeLike`` and ``sessions`` (their figures),
    ``funnelByMysfit`` (mysfitId -> name, viewers, likers, adopters; most viewed first),
    ``clicksByMysfit`` (mysfitId -> name, clicks; most viewed first), ``clicksByAlignment``
    (goodevil -> lawchaos -> clicks), ``clicksByHour`` ("00".."23" UTC -> clicks, hours with
    clicks only), ``topMysfitsByDay`` (date -> [{rank, mysfitId, name, clicks}])."""
    hours = answers["clicksByHour"].records()
    days = answers["topMysfitsByDay"].records()
    if any(row["hour_utc"] is None for row in hours) or any(r["click_date"] is None for r in days):
        # Only on Athena: over a local bucket such an object is named, line and all, earlier.
        raise ReportError(
            "the clicks table holds clicks with no readable clickedAt, which the processor "
            'never writes (find their objects: SELECT "$path" FROM clicks WHERE clickedat IS NULL)'
        )
    figures = {}
    for key in FIGURES:
        (row,) = answers[key].records()
        figures[key] = {camel(column): value for column, value in row.items()}
    alignment: dict[str, dict[str, int]] = {}
    for row in answers["clicksByAlignment"].records():
        alignment.setdefault(row["goodevil"], {})[row["lawchaos"]] = row["clicks"]
    by_day: dict[str, list[dict[str, Any]]] = {}
    for row in days:
        by_day.setdefault(row["click_date"], []).append(
            {
                "rank": row["day_rank"],
                "mysfitId": row["mysfitid"],
                "name": row["name"],
                "clicks": row["clicks"],
            }
        )
    return {
        "totals": figures["totals"],
        "funnelByMysfit": {
            row["mysfitid"]: {"name": row["name"], **{step: row[step] for step in FUNNEL}}
            for row in answers["funnelByMysfit"].records()
        },
        "beforeAdoption": figures["beforeAdoption"],
        "beforeLike": figures["beforeLike"],
        "sessions": figures["sessions"],
        "clicksByMysfit": {
            row["mysfitid"]: {"name": row["name"], "clicks": row["clicks"]}
            for row in answers["clicksByMysfit"].records()
        },
        "clicksByAlignment": alignment,
        "clicksByHour": {f"{row['hour_utc']:02d}": row["clicks"] for row in hours},
        "topMysfitsByDay": by_day,
    }


def _cell(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if camel(column) in RATES:
        return f"{value:.1%}"
    if column == "hour_utc":
        return f"{value:02d}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _aligned(columns: list[str], rows: list[tuple[Any, ...]]) -> list[str]:
    """Columns under their labels, aligned, numbers on the right."""
    cells = [[label(c) for c in columns]] + [
        [_cell(v, c) for v, c in zip(row, columns, strict=True)] for row in rows
    ]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows)
        for i in range(len(columns))
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return [
        "  "
        + "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ).rstrip()
        for row in cells
    ]


def by_name(answer: Answer) -> tuple[list[str], list[tuple[Any, ...]]]:
    """An answer's columns and rows with each mysfit shown by its name: the id left out."""
    if "mysfitid" not in answer.columns:
        return answer.columns, answer.rows
    columns = [c for c in answer.columns if c != "mysfitid"]
    rows = [
        tuple(mysfit_label(record) if c == "name" else record[c] for c in columns)
        for record in answer.records()
    ]
    return columns, rows


def as_table(answers: dict[str, Answer]) -> str:
    """Each question under its heading: a one-row answer one figure a line, others as columns;
    labels in words, mysfits by name."""
    blocks = []
    for question in QUESTIONS:
        answer = answers[question.key]
        lines = [question.title]
        if question.key in FIGURES:
            (row,) = answer.rows
            labels = [label(column) for column in answer.columns]
            width = max(len(text) for text in labels)
            values = [_cell(v, c) or "-" for v, c in zip(row, answer.columns, strict=True)]
            right = max(len(value) for value in values)
            lines += [
                f"  {text.ljust(width)}  {value.rjust(right)}"
                for text, value in zip(labels, values, strict=True)
            ]
        elif not answer.rows:
            lines.append("  (no clicks)")
        else:
            lines += _aligned(*by_name(answer))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def mysfit_label(row: dict[str, Any]) -> str:
    """A mysfit by its name; a line written before names were carried has only its species."""
    return row["name"] or f"{row.get('species') or '?'} {row['mysfitid'][:8]}"


def write_chart(answers: dict[str, Answer], path: Path) -> None:
    """Clicks per mysfit, the funnel from view to adoption per mysfit, and clicks per hour of
    the day, as SVG or PNG (by ``path``'s suffix). The same answers give the same bytes."""
    matplotlib = require("matplotlib", "--chart")
    figure_module = require("matplotlib.figure", "--chart")
    report = as_json(answers)
    mysfits = answers["clicksByMysfit"].records()[::-1]  # most viewed at the top
    names = {row["mysfitid"]: mysfit_label(row) for row in mysfits}
    funnel = answers["funnelByMysfit"].records()[::-1]
    hours = [int(report["clicksByHour"].get(f"{hour:02d}", 0)) for hour in HOURS]
    totals = report["totals"]

    with matplotlib.rc_context({"svg.hashsalt": "mysfits-clicks", "font.size": 9}):
        figure = figure_module.Figure(figsize=(8, 11), layout="constrained")
        by_mysfit, by_step, by_hour = figure.subplots(
            3, 1, height_ratios=[max(len(mysfits), 4), max(len(funnel), 4), 6]
        )
        figure.suptitle(f"Mysfits clicks: {totals['events']} events, {totals['visitors']} visitors")
        bars = by_mysfit.barh(
            [names[row["mysfitid"]] for row in mysfits],
            [row["clicks"] for row in mysfits],
            color="#3b6ea5",
        )
        # Ids in the SVG name each bar: mysfit-<mysfitId>, funnel-<step>-<mysfitId>,
        # hour-00 … hour-23.
        for bar, row in zip(bars, mysfits, strict=True):
            bar.set_gid(f"mysfit-{row['mysfitid']}")
        by_mysfit.set_title("Profile views per mysfit", loc="left")
        by_mysfit.set_xlabel("profile views")
        by_mysfit.xaxis.get_major_locator().set_params(integer=True)
        _funnel(by_step, funnel, names)
        for bar, hour in zip(by_hour.bar(list(HOURS), hours, color="#c8553d"), HOURS, strict=True):
            bar.set_gid(f"hour-{hour:02d}")
        by_hour.set_title("Profile views per hour of the day (UTC)", loc="left")
        by_hour.set_xticks(list(HOURS))
        by_hour.set_xlim(-0.6, 23.6)
        by_hour.set_ylabel("profile views")
        by_hour.yaxis.get_major_locator().set_params(integer=True)
        buffer = io.BytesIO()
        suffix = path.suffix.lower()
        metadata = {"Date": None} if suffix == ".svg" else {"Software": None}
        figure.savefig(buffer, format=suffix[1:], metadata=metadata, dpi=100)
    write_atomically(path, buffer.getvalue())


def _funnel(axes: Any, rows: list[dict[str, Any]], labels: dict[str, str]) -> None:
    """Per mysfit (most viewed at the top): viewers, likers and adopters, side by side."""
    height = 0.8 / len(FUNNEL)
    colours = {"viewers": "#3b6ea5", "likers": "#e0a526", "adopters": "#4f9a55"}
    for step_number, step in enumerate(FUNNEL):
        # Within a mysfit's row, viewers on top: matplotlib counts y upwards.
        offset = (1 - step_number) * height
        bars = axes.barh(
            [number + offset for number in range(len(rows))],
            [row[step] for row in rows],
            height=height,
            color=colours[step],
            label=step,
        )
        for bar, row in zip(bars, rows, strict=True):
            bar.set_gid(f"funnel-{step}-{row['mysfitid']}")
    axes.set_yticks(
        list(range(len(rows))), [labels.get(row["mysfitid"]) or mysfit_label(row) for row in rows]
    )
    axes.set_title("From a profile view to a like and an adoption, per mysfit", loc="left")
    axes.set_xlabel("distinct visitors (viewers) and signed-in users (likers, adopters)")
    axes.xaxis.get_major_locator().set_params(integer=True)
    if rows:
        axes.legend(loc="lower right")
