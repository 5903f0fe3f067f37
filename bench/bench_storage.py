"""Benchmark: what each question must read, as JSON lines and as Snappy Parquet, in one run.

    .venv/bin/python bench/bench_storage.py [--clicks 1000000] [--per-object 20000] [--check]

Makes ``--clicks`` realistic clicks (the 12 mysfits of clickstream/standins, 20,000 visitors
with a tab id each, of whom a fifth stay the signed-out "guest" and the rest are users of their
own; profile views, likes and adoptions; 3 % bots; a UUID click id each; the ids' 64-bit keys,
by the processor's own function, ``click_enrichment.keys.key``; three weeks of times with busier
evenings), with every column of the clicks table (``defaults.CLICK_FIELDS``; a
column the generator has no rule for gets a plausible value of its type). It writes them twice
in the delivery stream's layout, one object per ``--per-object`` clicks in its day's partition:
as the processor's JSON lines, and as the local runner's record format conversion turns those same
lines into Parquet (``clickstream.local.firehose.conversion``, what Firehose does on AWS).

For every question it prints the bytes it must read as JSON lines (every object of the window,
whole) and as Parquet (the compressed column chunks, from each file's metadata, of the columns
the question reads once the engine prunes those it does not use; then with ``clickkey`` too,
which de-duplication reads), and the ratios.
Then it runs the whole local report (DuckDB, the same SQL and window parameters) over each
bucket, best of 3, checks the answers agree, and prints both times. ``--check`` exits 1 when
a question reads less than 10x fewer bytes as Parquet (with ``clickkey``) than the JSON lines,
even counted without the keys' members (the JSON lines as they were before the keys), the
answers differ, or the Parquet report is not faster.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "lambda"))

import duckdb  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import sqlglot  # noqa: E402
from click_enrichment.keys import key  # noqa: E402
from sqlglot import exp  # noqa: E402
from sqlglot.optimizer.pushdown_projections import pushdown_projections  # noqa: E402
from sqlglot.optimizer.qualify import qualify  # noqa: E402
from sqlglot.optimizer.scope import traverse_scope  # noqa: E402

from clickstream import contract, defaults  # noqa: E402
from clickstream.analytics import partitioning, table_columns  # noqa: E402
from clickstream.commands.report.answers import Answer  # noqa: E402
from clickstream.commands.report.local import (  # noqa: E402
    ask_bucket,
    click_files,
    duckdb_type,
    translate,
)
from clickstream.commands.report.output import as_json  # noqa: E402
from clickstream.local.firehose.conversion import ParquetConversion  # noqa: E402
from clickstream.queries import QUESTIONS, Window  # noqa: E402

MYSFITS = json.loads((ROOT / "clickstream" / "standins" / "mysfits.json").read_text())
FIRST_DAY = date(2026, 11, 2)
DAYS = 21
VISITORS = 20_000
DEDUPLICATION_COLUMN = "clickkey"
# Relative traffic per hour of the day (UTC).
HOURLY = [1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 5, 6, 8, 7, 5, 5, 6, 7, 9, 10, 9, 7, 4, 2]


def visitors(rng: random.Random) -> list[dict[str, Any]]:
    """Each visitor's tab id and user: a fifth stay signed out ("guest"), the rest sign in as a
    user of their own (a Cognito sub)."""
    return [
        {
            "visitorId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "userId": "guest"
            if index < VISITORS // 5
            else str(uuid.UUID(int=rng.getrandbits(128))),
        }
        for index in range(VISITORS)
    ]


# The share of each event among clicks, and of bots' clicks.
EVENTS = {"profile": 0.85, "like": 0.12, "adopt": 0.03}
BOT_SHARE = 0.03


def click_values(
    rng: random.Random, moment: datetime, people: list[dict[str, Any]]
) -> dict[str, Any]:
    """One click's values by JSON key: the known keys realistically, any other by its type."""
    mysfit = rng.choice(MYSFITS)
    visitor = rng.choice(people)
    signed_in = visitor["userId"] != "guest"
    event = rng.choices(list(EVENTS), weights=list(EVENTS.values()))[0] if signed_in else "profile"
    known = {
        "event": event,
        "userId": visitor["userId"],
        "authenticated": signed_in,
        "visitorId": visitor["visitorId"],
        "clickId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "mysfitId": mysfit["mysfitId"],
        "name": mysfit["name"],
        "species": mysfit["species"],
        "goodevil": mysfit["goodevil"],
        "lawchaos": mysfit["lawchaos"],
        "clickedAt": f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z",
        "bot": rng.random() < BOT_SHARE,
    }
    # The ids' keys, as the processor writes them.
    known.update({name: key(known[id_name]) for name, id_name in contract.KEYED_IDS})
    by_type = {
        "string": lambda key: f"{key}-{rng.randrange(50)}",
        "boolean": lambda _: rng.random() < 0.3,
        "timestamp": lambda _: known["clickedAt"],
        "bigint": lambda _: rng.getrandbits(63),
    }
    return {
        key: known[key] if key in known else by_type[kind](key)
        for key, kind in defaults.CLICK_FIELDS
    }


def moments(rng: random.Random, clicks: int) -> list[datetime]:
    start = datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    hours = rng.choices(range(DAYS * 24), weights=HOURLY * DAYS, k=clicks)
    return sorted(
        start + timedelta(hours=hour, milliseconds=rng.randrange(3_600_000)) for hour in hours
    )


_KEY_NAMES = tuple(name for name, _ in contract.KEYED_IDS)


def key_members_bytes(values: dict[str, Any]) -> int:
    """The bytes the keys' members add to a click's JSON line (`,"clickKey":-123…`)."""
    return sum(len(f',"{name}":{values[name]}') for name in _KEY_NAMES if name in values)


def write_buckets(json_bucket: Path, parquet_bucket: Path, clicks: int, per_object: int) -> int:
    """The same clicks as JSON-lines objects and as the Parquet the conversion makes of them;
    returns the bytes the keys add to the JSON lines."""
    rng = random.Random(17)
    key_bytes = 0
    conversion = ParquetConversion(columns=tuple(table_columns()), table={})
    people = visitors(rng)
    times = moments(rng, clicks)
    by_day: dict[date, list[datetime]] = {}
    for moment in times:
        by_day.setdefault(moment.date(), []).append(moment)
    for day, day_moments in sorted(by_day.items()):
        folder = f"clicks/year={day:%Y}/month={day:%m}/day={day:%d}"
        for first in range(0, len(day_moments), per_object):
            batch = day_moments[first : first + per_object]
            values = [click_values(rng, m, people) for m in batch]
            key_bytes += sum(key_members_bytes(v) for v in values)
            lines = [json.dumps(v, separators=(",", ":")).encode() + b"\n" for v in values]
            name = f"stream-1-{batch[0]:%Y-%m-%d-%H-%M-%S}-{uuid.UUID(int=rng.getrandbits(128))}"
            for bucket, body in (
                (json_bucket, b"".join(lines)),
                (parquet_bucket, conversion.convert(lines)[0]),
            ):
                path = bucket / folder / (name + (".parquet" if bucket is parquet_bucket else ""))
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body)
    return key_bytes


# Hive types as SQL types, for the optimizer's schema.
_SQL_TYPES = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "bigint": "BIGINT",
}


def question_columns(sql: str) -> set[str]:
    """The table's columns a question reads, as the engines prune them: every question starts
    from the shared ``events`` view, which names every column, and Athena and DuckDB read only
    the ones the rest of the statement uses. sqlglot's optimizer does the same pruning here
    (partition keys are in the object's path)."""
    columns = {name: kind for name, kind in table_columns()}
    schema = {
        defaults.CLICKS_TABLE: {
            **{name: _SQL_TYPES[kind] for name, kind in columns.items()},
            **{key: "INT" for key, _, _ in partitioning(defaults.CLICKS_PREFIX).keys},
        }
    }
    tree = qualify(sqlglot.parse_one(sql, read="athena"), schema=schema, dialect="athena")
    tree = pushdown_projections(tree)
    read = set()
    for scope in traverse_scope(tree):
        for alias, (_, source) in scope.selected_sources.items():
            if isinstance(source, exp.Table) and source.name == defaults.CLICKS_TABLE:
                read |= {column.name for column in scope.columns if column.table == alias}
    return read & set(columns)


def parquet_bytes(files: list[Path], columns: set[str]) -> int:
    """Compressed bytes of those columns' chunks, from each file's footer."""
    total = 0
    for path in files:
        metadata = pq.read_metadata(path)
        for group in range(metadata.num_row_groups):
            row_group = metadata.row_group(group)
            for index in range(row_group.num_columns):
                chunk = row_group.column(index)
                if chunk.path_in_schema in columns:
                    total += chunk.total_compressed_size
    return total


def ask_json_bucket(bucket: Path, window: Window) -> dict:
    """The same questions, the same SQL and parameters, with DuckDB over the JSON lines."""
    files = click_files(bucket, window)
    paths = ", ".join(f"'{path}'" for path in files)
    json_columns = ", ".join(
        f"'{key}': '{duckdb_type(kind)}'" for key, kind in defaults.CLICK_FIELDS
    )
    selected = ", ".join(f'"{key}" AS {key.lower()}' for key, _ in defaults.CLICK_FIELDS)
    connection = duckdb.connect()
    try:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute(
            f"CREATE VIEW clicks AS SELECT {selected}, year, month, day FROM read_json([{paths}], "
            f"format = 'newline_delimited', columns = {{{json_columns}}}, "
            "hive_partitioning = true, "
            "hive_types = {'year': 'INTEGER', 'month': 'INTEGER', 'day': 'INTEGER'})"
        )
        answers = {}
        for question in QUESTIONS:
            cursor = connection.execute(translate(question.sql), window.parameters())
            columns = [d[0] for d in cursor.description]
            rows = [
                tuple(v.isoformat() if isinstance(v, date) else v for v in row)
                for row in cursor.fetchall()
            ]
            answers[question.key] = (columns, rows)
    finally:
        connection.close()
    return as_json({key: Answer(*value) for key, value in answers.items()})


def best_of(runs: int, work):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=1_000_000)
    parser.add_argument("--per-object", type=int, default=20_000)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    window = Window(FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1))
    with tempfile.TemporaryDirectory() as scratch:
        json_bucket, parquet_bucket = Path(scratch, "json"), Path(scratch, "parquet")
        started = time.perf_counter()
        key_bytes = write_buckets(json_bucket, parquet_bucket, args.clicks, args.per_object)
        json_files, parquet_files = click_files(json_bucket), click_files(parquet_bucket)
        json_size = sum(p.stat().st_size for p in json_files)
        parquet_size = sum(p.stat().st_size for p in parquet_files)
        print(
            f"{args.clicks:,} clicks over {DAYS} days, {len(MYSFITS)} mysfits, {VISITORS:,} "
            f"visitors, {len(json_files)} objects each (written in "
            f"{time.perf_counter() - started:.1f} s)"
        )
        print(f"  JSON lines {json_size:>14,} bytes  {json_size / args.clicks:6.1f} bytes a click")
        keyless = json_size - key_bytes
        print(
            f"    of which the keys {key_bytes:>14,} bytes; without them {keyless:,} bytes, "
            f"{keyless / args.clicks:.1f} bytes a click"
        )
        print(
            f"  Parquet    {parquet_size:>14,} bytes  {parquet_size / args.clicks:6.1f} bytes a "
            f"click  ({json_size / parquet_size:.1f}x smaller)"
        )
        print(f"bytes each question must read, window {window}:")
        ratios = []
        for question in QUESTIONS:
            named = question_columns(question.sql)
            # Without de-duplication, for comparison: what its clickkey column costs.
            alone = parquet_bytes(parquet_files, named - {DEDUPLICATION_COLUMN})
            deduplicated = parquet_bytes(parquet_files, named | {DEDUPLICATION_COLUMN})
            ratios.append(keyless / deduplicated)
            print(
                f"  {question.key:<18} JSON {json_size:>13,}  Parquet {alone:>11,} "
                f"({json_size / alone:5.1f}x fewer), with {DEDUPLICATION_COLUMN} "
                f"{deduplicated:>11,} ({json_size / deduplicated:4.1f}x fewer)  "
                f"[{', '.join(sorted(named - {DEDUPLICATION_COLUMN}))}]"
            )
        print(
            f"  against the JSON lines without the keys, with {DEDUPLICATION_COLUMN}: "
            f"{min(ratios):.1f}x to {max(ratios):.1f}x fewer"
        )
        json_time, json_answers = best_of(3, lambda: ask_json_bucket(json_bucket, window))
        parquet_time, parquet_answers = best_of(
            3, lambda: as_json(ask_bucket(parquet_bucket, window))
        )
    same = json_answers == parquet_answers
    print(f"the whole local report (DuckDB, {len(QUESTIONS)} questions, best of 3):")
    print(f"  JSON lines {json_time:8.3f} s")
    print(f"  Parquet    {parquet_time:8.3f} s  ({json_time / parquet_time:.1f}x faster)")
    print(f"  answers agree: {same}")
    if args.check and (min(ratios) < 10 or not same or parquet_time >= json_time):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
