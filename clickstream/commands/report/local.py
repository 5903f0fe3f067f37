"""The questions over a local bucket: DuckDB reads the clicks as Athena's table does.

The local runner writes what Firehose writes: Snappy Parquet objects, one per buffer, under the
delivery prefix's Hive partitions. The table is a view over them with the Glue table's columns
(``analytics.table_columns()``, from ``defaults.CLICK_FIELDS``) and partition keys, each column
read by name and NULL in objects written before it existed, as Athena reads Parquet. Each
question's SQL is translated from Athena's dialect by sqlglot and run with the window's
parameters, so DuckDB, like Athena, opens only the window's partitions.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from clickstream import defaults
from clickstream.analytics import partitioning, table_columns
from clickstream.commands.report.answers import Answer, ReportError, require
from clickstream.queries import QUESTIONS, Window

# Hive types of the table, as DuckDB names them.
_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
}
JSON_CLICKS_HELP = "docs/json-clicks.md"


def translate(sql: str) -> str:
    """Athena (Trino) SQL as DuckDB SQL; anything sqlglot cannot carry over is an error."""
    sqlglot = require("sqlglot", "the local report")
    try:
        (statement,) = sqlglot.transpile(
            sql, read="athena", write="duckdb", unsupported_level=sqlglot.ErrorLevel.RAISE
        )
    except sqlglot.errors.SqlglotError as error:
        raise ReportError(f"cannot translate the query to DuckDB: {_first_line(error)}") from error
    return statement


def click_files(bucket_dir: Path, window: Window | None = None) -> list[Path]:
    """Every delivered object under the clicks prefix's partitions (only the window's, as
    Athena's partition projection lists them); never a half-written ``.part`` file (the
    runner's, or anyone's, dot-files)."""
    partitions = partitioning(defaults.CLICKS_PREFIX)
    pattern = "/".join(f"{key}=*" for key, _, _ in partitions.keys) + "/*"
    first, last = window.partitions() if window else (datetime.date.min, datetime.date.max)
    return sorted(
        path
        for path in (bucket_dir / partitions.location).glob(pattern)
        if path.is_file()
        and not path.name.startswith(".")
        and first <= (_partition_day(path) or first) <= last
    )


def _partition_day(path: Path) -> datetime.date | None:
    """The day of an object's year=/month=/day= folders (None: not a day)."""
    values = dict(part.split("=", 1) for part in path.parent.parts if "=" in part)
    try:
        return datetime.date(int(values["year"]), int(values["month"]), int(values["day"]))
    except (KeyError, ValueError):
        return None


def duckdb_type(hive_type: str) -> str:
    if hive_type not in _DUCKDB_TYPES:
        raise ReportError(f"the clicks table has a {hive_type} column, unknown to the report")
    return _DUCKDB_TYPES[hive_type]


def _load_clicks(connection: Any, files: list[Path]) -> None:
    keys = [key for key, _, _ in partitioning(defaults.CLICKS_PREFIX).keys]
    columns = [(name, duckdb_type(kind)) for name, kind in table_columns()]
    if not files:
        definition = ", ".join(f"{name} {kind}" for name, kind in columns)
        partitions = ", ".join(f"{key} INTEGER" for key in keys)
        connection.execute(f"CREATE TABLE {defaults.CLICKS_TABLE} ({definition}, {partitions})")
        return
    paths = ", ".join(_literal(str(path)) for path in files)
    hive_types = ", ".join(f"{_literal(key)}: 'INTEGER'" for key in keys)
    source = (
        f"read_parquet([{paths}], hive_partitioning = true, union_by_name = true, "
        f"hive_types = {{{hive_types}}})"
    )
    present = {row[0] for row in connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    selected = [
        f"CAST({name if name in present else 'NULL'} AS {kind}) AS {name}" for name, kind in columns
    ] + keys
    connection.execute(
        f"CREATE VIEW {defaults.CLICKS_TABLE} AS SELECT {', '.join(selected)} FROM {source}"
    )


_MAGIC = b"PAR1"
# What to do with an object that cannot be read: the report reads every object of the window.
_SET_ASIDE = "copy it again, or move it out of the bucket's clicks/ folder"


def _unreadable(files: list[Path]) -> ReportError | None:
    """Why the first object that cannot be Parquet cannot be (by its framing alone): a JSON one
    from before conversion, or one cut short. A Parquet file begins with PAR1 and ends with its
    footer, the footer's length (4 bytes) and PAR1 again."""
    for path in files:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4)
            handle.seek(max(0, size - 8))
            tail = handle.read(8)
        if head != _MAGIC:
            return ReportError(
                f"{path} is not a Parquet object (clicks written as JSON before the clicks were "
                f"Parquet): convert or move them, see {JSON_CLICKS_HELP}"
            )
        if size < 12 or tail[4:] != _MAGIC or int.from_bytes(tail[:4], "little") > size - 12:
            return ReportError(
                f"{path} is cut short: it has no Parquet footer at its end ({size:,} bytes; an "
                f"object written or copied in part): {_SET_ASIDE}"
            )
    return None


def _damaged(connection: Any, files: list[Path]) -> ReportError | None:
    """The error naming the first object the engine cannot read, with its reason (None: each
    reads alone)."""
    duckdb = require("duckdb", "the local report")
    for path in files:
        try:
            connection.execute(f"SELECT * FROM read_parquet({_literal(str(path))})").fetchall()
        except duckdb.Error as own:
            return ReportError(
                f"{path} cannot be read as Parquet (the engine says: {_first_line(own)}): "
                f"the object is damaged; {_SET_ASIDE}"
            )
    return None


def ask_bucket(
    bucket_dir: Path, window: Window, queries: dict[str, str] | None = None
) -> dict[str, Answer]:
    """Each question's answer over the clicks in ``bucket_dir`` on the window's days (none: the
    answers of none). ``queries``: question key -> Athena SQL (default: the questions' files)."""
    duckdb = require("duckdb", "the local report")
    if queries is None:
        queries = {question.key: question.sql for question in QUESTIONS}
    statements = {key: translate(sql) for key, sql in queries.items()}
    files = click_files(bucket_dir, window)
    unreadable = _unreadable(files)
    if unreadable is not None:
        raise unreadable
    # Nothing is downloaded: json and icu (time zones) are built into the duckdb package.
    connection = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        # clickedat holds UTC times without a zone, as in Athena: hours and dates are UTC.
        connection.execute("SET TimeZone = 'UTC'")
        try:
            _load_clicks(connection, files)
        except duckdb.Error as error:
            raise _damaged(connection, files) or ReportError(
                f"cannot read the clicks under {bucket_dir}: {_first_line(error)}"
            ) from error
        answers = {}
        for key, statement in statements.items():
            try:
                cursor = connection.execute(statement, window.parameters())
            except duckdb.Error as error:
                raise _damaged(connection, files) or ReportError(
                    f"question {key} failed: {_first_line(error)}"
                ) from error
            columns = [description[0] for description in cursor.description]
            rows = [tuple(_plain(value) for value in row) for row in cursor.fetchall()]
            answers[key] = Answer(columns, rows)
        return answers
    finally:
        connection.close()


def _plain(value: Any) -> Any:
    """Values as Athena's results carry them: dates as ISO text, numbers as numbers."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
