"""The questions a site owner asks of the clicks, each one SQL file in Athena's dialect.

The stack saves each as an Athena named query (``Name`` is the question's key); the ``report``
command runs the same text on Athena, or, translated to DuckDB by sqlglot, over a local bucket.
A file's first line is a ``--`` comment: the question, as the named query's description and the
report's heading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Question:
    key: str  # the named query's Name, and the report's JSON key
    file: str
    sql: str

    @property
    def title(self) -> str:
        return self.sql.splitlines()[0].removeprefix("--").strip()


# In the order the report shows them.
_FILES = {
    "totals": "totals.sql",
    "clicksByMysfit": "clicks_by_mysfit.sql",
    "clicksByAlignment": "clicks_by_alignment.sql",
    "clicksByHour": "clicks_by_hour.sql",
    "topMysfitsByDay": "top_mysfits_by_day.sql",
}


def _load(key: str, file: str) -> Question:
    sql = (HERE / file).read_text(encoding="utf-8")
    if not sql.startswith("-- "):
        raise ValueError(f"{file} must start with a '-- ' line naming its question")
    return Question(key, file, sql)


QUESTIONS: tuple[Question, ...] = tuple(_load(key, file) for key, file in _FILES.items())
