"""One contract: the processor's enriched line, the Glue table's columns, the Parquet objects,
and the questions' SQL."""

from __future__ import annotations

import duckdb
import pytest
import requests
import sqlglot
from sqlglot import exp

from clickstream import defaults
from clickstream.commands.report.local import translate

# Columns Athena adds to every table it reads from S3.
ATHENA_PSEUDO_COLUMNS = {"$path", "$file_size", "$file_modified_time"}


def glue_table(template: dict) -> dict:
    (table,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Glue::Table"]
    return table["Properties"]["TableInput"]


def columns_of(template: dict) -> list[tuple[str, str]]:
    return [(c["Name"], c["Type"]) for c in glue_table(template)["StorageDescriptor"]["Columns"]]


def partition_keys(template: dict) -> list[str]:
    return [key["Name"] for key in glue_table(template)["PartitionKeys"]]


# How DuckDB names the Parquet types the table's Hive types are written as.
PARQUET_AS_DUCKDB = {"string": "VARCHAR", "boolean": "BOOLEAN", "timestamp": "TIMESTAMP"}


def test_the_processors_line_is_a_row_of_the_table(pipeline, template):
    mysfit = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]
    answer = requests.put(
        f"{pipeline.api_url}/clicks",
        json={"userId": "contract", "mysfitId": mysfit["mysfitId"]},
        timeout=10,
    )
    pipeline.flush()
    assert answer.status_code == 200
    (path,) = pipeline.delivered_objects()

    found = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}', hive_partitioning = false)")
    # The object holds the table's columns, in its order, each of its type.
    assert [(name, kind) for name, kind, *_ in found.fetchall()] == [
        (name, PARQUET_AS_DUCKDB[kind]) for name, kind in columns_of(template)
    ]
    (row,) = duckdb.sql(
        f"SELECT * FROM read_parquet('{path}', hive_partitioning = false)"
    ).fetchall()
    values = dict(zip([name for name, _ in columns_of(template)], row, strict=True))
    # Every column but the optional clickid has its value: every key the processor wrote
    # found its column.
    assert {name for name, value in values.items() if value is None} == {"clickid"}
    assert (values["userid"], values["mysfitid"]) == ("contract", mysfit["mysfitId"])
    assert values["species"] == mysfit["species"]


def test_the_tables_types_are_the_contracts(template):
    assert columns_of(template) == [(key.lower(), kind) for key, kind in defaults.CLICK_FIELDS]
    assert dict(columns_of(template))["clickedat"] == "timestamp"


def test_the_table_has_a_column_for_an_optional_click_id(template):
    names = [name for name, _ in columns_of(template)]
    assert names.index("clickid") == names.index("userid") + 1


def test_no_column_is_also_a_partition_key(template):
    assert not {name for name, _ in columns_of(template)} & set(partition_keys(template))


@pytest.fixture(scope="module")
def parsed(named_queries) -> dict[str, exp.Expression]:
    return {name: sqlglot.parse_one(sql, read="athena") for name, sql in named_queries.items()}


def test_every_named_query_reads_only_the_clicks_table(parsed, template):
    for name, tree in parsed.items():
        tables = {table.name for table in tree.find_all(exp.Table)}
        assert tables == {glue_table(template)["Name"]}, name


def test_every_named_query_names_only_columns_the_table_has(parsed, template):
    known = {c for c, _ in columns_of(template)} | set(partition_keys(template))
    for name, tree in parsed.items():
        aliases = {alias.alias for alias in tree.find_all(exp.Alias)}
        used = {column.name for column in tree.find_all(exp.Column)}
        unknown = used - known - aliases - ATHENA_PSEUDO_COLUMNS
        assert not unknown, f"{name} uses {sorted(unknown)}"


def test_every_named_query_translates_to_duckdb(named_queries):
    for name, sql in named_queries.items():
        translated = translate(sql)
        assert translated.lstrip().upper().startswith(("SELECT", "/*")), name
        # Athena's ISO-8601 parsing becomes a timestamp with time zone, read in UTC.
        if "from_iso8601_timestamp" in sql:
            assert "TIMESTAMPTZ" in translated, name


def test_every_named_query_reads_one_window_of_partitions(parsed, template):
    """Four parameters: the first and last partition (yyyymmdd of the partition keys), then the
    window's first and last day, which clickedat must fall on."""
    keys = partition_keys(template)
    for name, tree in parsed.items():
        placeholders = list(tree.find_all(exp.Placeholder))
        assert len(placeholders) == 4, name
        (partitions,) = [
            between
            for between in tree.find_all(exp.Between)
            if {c.name for c in between.this.find_all(exp.Column)} == set(keys)
        ]
        (days,) = [
            between
            for between in tree.find_all(exp.Between)
            if {c.name for c in between.this.find_all(exp.Column)} == {"clickedat"}
        ]
        assert [p.sql() for p in partitions.find_all(exp.Placeholder)] == ["?", "?"], name
        assert len(list(days.find_all(exp.Placeholder))) == 2, name
