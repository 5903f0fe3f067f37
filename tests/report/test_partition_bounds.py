"""The window's partitions, on DuckDB: the plain bounds on year, month and day never leave out a
partition of the window, across a month's or a year's end, and the questions read exactly the
window's partitions (the day before ``since`` to a week after ``until``).

Each partition day of a wide span holds one profile view, whose mysfit is named after that day,
so ``clicksByMysfit`` lists the partitions a question read.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from clickstream import defaults
from clickstream.analytics import table_columns
from clickstream.commands.report.local import duckdb_type, translate
from clickstream.queries import QUESTIONS, Window

BY_MYSFIT = next(q for q in QUESTIONS if q.key == "clicksByMysfit")
# Around each window, this many days either side of its partitions are written too.
MARGIN = 40

WINDOWS = {
    "across a year's end": Window(date(2026, 12, 30), date(2027, 1, 2)),
    "grace days past a year's end": Window(date(2026, 12, 20), date(2026, 12, 28)),
    "the day before is last year": Window(date(2027, 1, 1), date(2027, 1, 5)),
    "inside one month": Window(date(2026, 11, 10), date(2026, 11, 12)),
    "across one month's end": Window(date(2026, 11, 25), date(2026, 11, 30)),
    "across two months' ends": Window(date(2026, 1, 31), date(2026, 3, 1)),
    "a leap day": Window(date(2028, 2, 27), date(2028, 3, 1)),
    "across two years' ends": Window(date(2026, 12, 31), date(2028, 1, 1)),
}


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def window_partitions(window: Window) -> list[date]:
    """Worked out from the rule, not the code: the day before the window to the grace days."""
    return days(
        window.since - timedelta(days=1),
        window.until + timedelta(days=defaults.REPLAY_GRACE_DAYS),
    )


def clicks_table(partitions: list[date], clicked: datetime | None) -> duckdb.DuckDBPyConnection:
    """One profile view under each partition day, received at ``clicked`` (None: at noon of its
    own partition day), its mysfit the day's ISO date."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    columns = ", ".join(f"{name} {duckdb_type(kind)}" for name, kind in table_columns())
    connection.execute(f"CREATE TABLE clicks ({columns}, year INTEGER, month INTEGER, day INTEGER)")
    for number, day in enumerate(partitions):
        at = clicked or datetime(day.year, day.month, day.day, 12)
        connection.execute(
            "INSERT INTO clicks (event, userid, authenticated, mysfitid, name, clickedat, bot, "
            "clickkey, userkey, year, month, day) "
            "VALUES ('profile', 'u', false, ?, ?, ?, false, ?, ?, ?, ?, ?)",
            [day.isoformat(), day.isoformat(), at, number, number, day.year, day.month, day.day],
        )
    return connection


def partitions_read(connection: duckdb.DuckDBPyConnection, parameters: list) -> set[date]:
    rows = connection.execute(translate(BY_MYSFIT.sql), parameters).fetchall()
    return {date.fromisoformat(row[0]) for row in rows}


def around(window: Window) -> list[date]:
    wanted = window_partitions(window)
    return days(wanted[0] - timedelta(days=MARGIN), wanted[-1] + timedelta(days=MARGIN))


@pytest.mark.parametrize("window", WINDOWS.values(), ids=WINDOWS.keys())
def test_a_question_reads_exactly_the_windows_partitions(window: Window) -> None:
    # GIVEN a view of the window's first day under every partition around the window
    noon = datetime(window.since.year, window.since.month, window.since.day, 12)
    connection = clicks_table(around(window), noon)

    # WHEN a question reads the window
    read = partitions_read(connection, window.parameters())

    # THEN it counts the views under each partition of the window, and none under another
    assert sorted(read) == window_partitions(window)


@pytest.mark.parametrize("window", WINDOWS.values(), ids=WINDOWS.keys())
def test_the_plain_bounds_alone_keep_every_partition_and_prune_by_month(window: Window) -> None:
    # GIVEN views on every day around the window, each under its own day's partition
    connection = clicks_table(around(window), None)
    # WHEN only the plain bounds on year, month and day choose the partitions (the exact
    # partitions and days opened to everything)
    bounds = window.parameters()[:10]
    read = partitions_read(connection, [*bounds, 0, 99999999, "1900-01-01", "2999-12-31"])

    wanted = window_partitions(window)
    # THEN no partition of the window is left out
    assert set(wanted) <= read
    first, last = wanted[0], wanted[-1]
    if last.year - first.year <= 1:
        # AND up to one year's end, no month outside the window's is read
        months = {(d.year, d.month) for d in wanted}
        assert {(d.year, d.month) for d in read} == months
    if (first.year, first.month) == (last.year, last.month):
        # AND inside one month, they are exact
        assert read == set(wanted)


def athena_text(sql: str, literals: list[str]) -> str:
    """The statement as Athena runs it: each ``?`` replaced, in order, by its
    ExecutionParameters literal."""
    values = iter(literals)
    text = re.sub(r"\?", lambda _: next(values), sql)
    assert next(values, None) is None, "more literals than placeholders"
    return text


def test_athenas_literals_read_the_same_partitions_as_duckdbs_parameters() -> None:
    window = WINDOWS["across a year's end"]
    noon = datetime(window.since.year, window.since.month, window.since.day, 12)
    connection = clicks_table(around(window), noon)

    literal = athena_text(BY_MYSFIT.sql, window.athena_parameters())
    rows = connection.execute(translate(literal)).fetchall()

    assert {date.fromisoformat(row[0]) for row in rows} == partitions_read(
        connection, window.parameters()
    )
    assert sorted(date.fromisoformat(row[0]) for row in rows) == window_partitions(window)


def test_the_docs_run_again_example_is_the_windows_fourteen_values() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    page = (docs / "questions.md").read_text(encoding="utf-8")
    paragraph = " ".join(page.split("**Run again** asks for the fourteen values", 1)[1].split())
    example = paragraph.split(":", 1)[1].split("Words the questions use", 1)[0]
    values = re.findall(r"`([^`]+)`", example)

    assert values == Window(date(2026, 11, 1), date(2026, 11, 30)).athena_parameters()
    # The pages the plain bounds rest on.
    assert "https://docs.aws.amazon.com/athena/latest/ug/partitions.html" in page
    assert "https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html" in page
