"""The questions over a local bucket: DuckDB reads the clicks as Athena's table does.

The table is built from the same contract as the Glue table (``defaults.CLICK_FIELDS``: the
processor's JSON keys, matched to lower-case columns) and the same Hive partitions read from the
delivery prefix; each question's SQL is translated from Athena's dialect by sqlglot.
"""

from __future__ import annotations

import datetime
import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

from clickstream import defaults
from clickstream.analytics import partitioning, table_columns
from clickstream.commands.report.answers import Answer, ReportError, require
from clickstream.queries import QUESTIONS

_ANY = object()
# The one field the questions compute with: each click's time, as the processor writes it.
_CLICKED_AT = "clickedAt"
# Hive types of the table, as DuckDB names them.
_DUCKDB_TYPES = {"string": "VARCHAR", "int": "INTEGER", "boolean": "BOOLEAN"}


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


def click_files(bucket_dir: Path) -> list[Path]:
    """Every delivered object under the clicks prefix's partitions; never a half-written
    ``.part`` file (the runner's, or anyone's, dot-files)."""
    partitions = partitioning(defaults.CLICKS_PREFIX)
    pattern = "/".join(f"{key}=*" for key, _, _ in partitions.keys) + "/*"
    return sorted(
        path
        for path in (bucket_dir / partitions.location).glob(pattern)
        if path.is_file() and not path.name.startswith(".")
    )


def _load_clicks(connection: Any, files: list[Path]) -> None:
    keys = partitioning(defaults.CLICKS_PREFIX).keys
    partitions = [(key, _DUCKDB_TYPES["int"]) for key, _, _ in keys]
    fields = [(key, _DUCKDB_TYPES[kind]) for key, kind in defaults.CLICK_FIELDS]
    columns = [(name, _DUCKDB_TYPES[kind]) for name, kind in table_columns()]
    if not files:
        definition = ", ".join(f"{name} {kind}" for name, kind in columns + partitions)
        connection.execute(f"CREATE TABLE {defaults.CLICKS_TABLE} ({definition})")
        return
    paths = ", ".join(_literal(str(path)) for path in files)
    json_columns = ", ".join(f"{_literal(key)}: {_literal(kind)}" for key, kind in fields)
    hive_types = ", ".join(f"{_literal(key)}: {_literal(kind)}" for key, kind in partitions)
    selected = [
        f'"{key}" AS {name}'
        for (key, _), (name, _) in zip(fields, columns, strict=True)  # the SerDe's lower-casing
    ] + [key for key, _ in partitions]
    connection.execute(
        f"CREATE TABLE {defaults.CLICKS_TABLE} AS SELECT {', '.join(selected)} "
        f"FROM read_json([{paths}], format = 'newline_delimited', columns = {{{json_columns}}}, "
        f"hive_partitioning = true, hive_types = {{{hive_types}}})"
    )


def gather(bucket_dir: Path, files: list[Path], scratch: Path) -> list[Path]:
    """The objects of each partition folder as one file under ``scratch``, in the same layout.

    Firehose writes one object per buffer, so a local bucket holds many small objects, and
    DuckDB pays per file it opens (about 0.3 ms each on the development machine: 20,000
    objects took 8 s, against 0.6 s for 150 objects of 2,000 clicks; bench/bench_report.py).
    Compressed objects are passed through as they are."""
    folders: dict[Path, list[Path]] = {}
    for path in files:
        folders.setdefault(path.parent, []).append(path)
    gathered = []
    for folder, paths in sorted(folders.items()):
        gathered += [path for path in paths if path.suffix == ".gz"]
        plain = [path for path in paths if path.suffix != ".gz"]
        if not plain:
            continue
        target = scratch / folder.relative_to(bucket_dir) / "objects.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            for path in plain:
                data = path.read_bytes()
                # Concatenated, an object without its last newline would join two clicks.
                out.write(data if not data or data.endswith(b"\n") else data + b"\n")
        gathered.append(target)
    return gathered


def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace").splitlines()


def first_unreadable_line(files: list[Path], bad_time: Any = _ANY) -> str | None:
    """Where the first line is that is not a JSON object, for the error message; with
    ``bad_time``, also a line whose clickedAt is missing, not text, or is ``bad_time``."""
    for path in files:
        for number, line in enumerate(_lines(path), 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except RecursionError:
                return f"{path} line {number} is nested too deeply to read"
            except ValueError:
                value = None
            if not isinstance(value, dict):
                return f"{path} line {number} is not a JSON object"
            if bad_time is _ANY:
                continue
            clicked = value.get(_CLICKED_AT)
            if clicked is None:
                return f"{path} line {number} has no {_CLICKED_AT}"
            if not isinstance(clicked, str) or clicked == bad_time:
                return f"{path} line {number} has a {_CLICKED_AT} that is no time: {clicked!r:.60}"
    return None


def _check_times(connection: Any, bucket_dir: Path, files: list[Path]) -> None:
    """Every click's clickedAt is a time the questions can read, or the report stops at the
    first line that is not (the processor always writes one)."""
    column = _CLICKED_AT.lower()
    bad = connection.execute(
        f"SELECT {column} FROM {defaults.CLICKS_TABLE} "
        f"WHERE {column} IS NULL OR TRY_CAST({column} AS TIMESTAMPTZ) IS NULL LIMIT 1"
    ).fetchone()
    if bad is not None:
        where = first_unreadable_line(files, bad_time=bad[0]) or f"a clickedAt of {bad[0]!r}"
        raise ReportError(f"cannot read the clicks under {bucket_dir}: {where}")


def ask_bucket(bucket_dir: Path, queries: dict[str, str] | None = None) -> dict[str, Answer]:
    """Each question's answer over the clicks in ``bucket_dir`` (none: the answers of none).
    ``queries``: question key -> Athena SQL (default: the questions' files)."""
    duckdb = require("duckdb", "the local report")
    if queries is None:
        queries = {question.key: question.sql for question in QUESTIONS}
    statements = {key: translate(sql) for key, sql in queries.items()}
    files = click_files(bucket_dir)
    # Nothing is downloaded: json and icu (time zones) are built into the duckdb package.
    connection = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        # Athena's from_iso8601_timestamp keeps the clicks' "Z": hours and dates are UTC.
        connection.execute("SET TimeZone = 'UTC'")
        with tempfile.TemporaryDirectory(prefix="clicks-report-") as scratch:
            try:
                _load_clicks(connection, gather(bucket_dir, files, Path(scratch)))
            except duckdb.Error as error:
                where = first_unreadable_line(files) or _first_line(error)
                raise ReportError(f"cannot read the clicks under {bucket_dir}: {where}") from error
        _check_times(connection, bucket_dir, files)
        answers = {}
        for key, statement in statements.items():
            try:
                cursor = connection.execute(statement)
            except duckdb.Error as error:
                raise ReportError(f"question {key} failed: {_first_line(error)}") from error
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
