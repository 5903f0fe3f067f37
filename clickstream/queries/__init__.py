"""The questions a site owner asks of the clicks, each one SQL file in Athena's dialect.

The stack saves each as an Athena named query (``Name`` is the question's key); the ``report``
command runs the same text on Athena, or, translated to DuckDB by sqlglot, over a local bucket.
A file's first line is a ``--`` comment: the question, as the named query's description and the
report's heading.

Every question reads ``events``, never ``clicks`` itself: the rules all of them follow (each
clickId once, bots left out) are written once, in ``events.sql``, as common table expressions
that each question's statement begins with. So every named query stays one statement that runs
by itself in the Athena console.

A median is exact and the same on both engines (Athena's ``approx_percentile`` and DuckDB's
``approx_quantile`` are estimates): the middle value, or the mean of the two middle values,
found with ``row_number()``.

Every question reads one window of UTC days, given as fourteen positional parameters (``?``, in
``events.sql``, so once in every statement; the same values on Athena, as
``ExecutionParameters``, and in DuckDB):

- plain bounds on the ``year``, ``month`` and ``day`` partition keys (a range of years, two
  ranges of months, two of days), so that pruning never depends on the planner reading an
  expression of the keys: Athena documents pruning for predicates on partition columns. Each is
  wide enough for every partition of the window, across a month's or a year's end;
- the first and last partition to read, as ``yyyymmdd`` numbers of the keys (exact);
- the window's first and last day, which ``clickedat`` must fall on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from clickstream import defaults

HERE = Path(__file__).resolve().parent
# The common table expressions every question starts with (``once``, ``events``).
EVENTS_FILE = "events.sql"


@dataclass(frozen=True)
class Question:
    key: str  # the named query's Name, and the report's JSON key
    file: str
    sql: str  # the whole statement: the file's heading, the shared views, then its query

    @property
    def title(self) -> str:
        return self.sql.splitlines()[0].removeprefix("--").strip()


# In the order the report shows them.
_FILES = {
    "totals": "totals.sql",
    "funnelByMysfit": "funnel_by_mysfit.sql",
    "beforeAdoption": "before_adoption.sql",
    "beforeLike": "before_like.sql",
    "sessions": "sessions.sql",
    "clicksByMysfit": "clicks_by_mysfit.sql",
    "clicksByAlignment": "clicks_by_alignment.sql",
    "clicksByHour": "clicks_by_hour.sql",
    "topMysfitsByDay": "top_mysfits_by_day.sql",
}


def compose(shared: str, text: str, file: str) -> str:
    """One statement: the file's heading line, ``WITH`` the shared views (and the file's own,
    when it starts with ``WITH``), then the file's query."""
    heading, _, query = text.partition("\n")
    if not heading.startswith("-- "):
        raise ValueError(f"{file} must start with a '-- ' line naming its question")
    query = query.lstrip("\n")
    if query[:5].upper() == "WITH ":
        return f"{heading}\nWITH\n{shared.rstrip()},\n{query[5:].lstrip()}"
    return f"{heading}\nWITH\n{shared.rstrip()}\n{query}"


def _load(key: str, file: str, shared: str) -> Question:
    return Question(key, file, compose(shared, (HERE / file).read_text(encoding="utf-8"), file))


_SHARED = (HERE / EVENTS_FILE).read_text(encoding="utf-8")
QUESTIONS: tuple[Question, ...] = tuple(_load(key, file, _SHARED) for key, file in _FILES.items())


@dataclass(frozen=True)
class Window:
    """The UTC days a report covers, ``since`` to ``until``, both included."""

    since: date
    until: date

    @classmethod
    def last_days(cls, today: date, days: int = defaults.DEFAULT_REPORT_DAYS) -> Window:
        return cls(today - timedelta(days=days - 1), today)

    def partitions(self) -> tuple[date, date]:
        """The first and last partition day to read: a click can be filed a day before its own
        (its buffer's oldest record's day), or later when it was replayed."""
        return (
            self.since - timedelta(days=1),
            self.until + timedelta(days=defaults.REPLAY_GRACE_DAYS),
        )

    def parameters(self) -> list[int | str]:
        """The values, in the order the questions' ``?`` take them: the partition keys' plain
        bounds, the first and last partition, the first and last day."""
        first, last = self.partitions()
        return [
            *partition_bounds(first, last),
            _number(first),
            _number(last),
            self.since.isoformat(),
            self.until.isoformat(),
        ]

    def athena_parameters(self) -> list[str]:
        """The same values as Athena's ExecutionParameters take them: SQL literals."""
        return [str(v) if isinstance(v, int) else f"'{v}'" for v in self.parameters()]

    def __str__(self) -> str:
        return f"{self.since.isoformat()} to {self.until.isoformat()}"


def partition_bounds(first: date, last: date) -> list[int]:
    """Bounds that every day from ``first`` to ``last`` meets, one column at a time: years
    ``y1..y2``; months ``a..b`` or ``c..d``; days ``e..f`` or ``g..h`` (ten values). Months are
    exact within one year, and ``m1..12`` or ``1..m2`` across one year's end; days are exact
    within one month, and ``d1..31`` or ``1..d2`` across one month's end; otherwise all."""
    if first > last:
        raise ValueError(f"the partitions run backwards: {first} to {last}")
    years = [first.year, last.year]
    if first.year == last.year:
        months = [first.month, last.month] * 2
    elif last.year == first.year + 1:
        months = [first.month, 12, 1, last.month]
    else:
        months = [1, 12] * 2
    month_after_first = (first.year + first.month // 12, first.month % 12 + 1)
    if (first.year, first.month) == (last.year, last.month):
        days = [first.day, last.day] * 2
    elif month_after_first == (last.year, last.month):
        days = [first.day, 31, 1, last.day]
    else:
        days = [1, 31] * 2
    return years + months + days


def _number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day
