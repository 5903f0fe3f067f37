"""One contract: the processor's enriched line, the Glue table's columns, the Parquet objects,
and the questions' SQL."""

from __future__ import annotations

import duckdb
import pytest
import requests
import sqlglot
from sqlglot import exp

from clickstream import contract, defaults
from clickstream.commands.report.local import translate
from clickstream.queries import QUESTIONS, compose

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
PARQUET_AS_DUCKDB = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "bigint": "BIGINT",
}


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
    # Every column but the optional ids has its value: every key the processor wrote found its
    # column. An anonymous click always has a visitor (the edge's id when the body names none).
    assert {name for name, value in values.items() if value is None} == {
        key.lower() for key in contract.ENRICHED_OPTIONAL
    } - {"visitorid", "visitorkey"}
    assert (values["userid"], values["mysfitid"]) == ("contract", mysfit["mysfitId"])
    assert values["species"] == mysfit["species"]


def test_the_tables_types_are_the_contracts(template):
    assert columns_of(template) == [(key.lower(), kind) for key, kind in defaults.CLICK_FIELDS]
    assert dict(columns_of(template))["clickedat"] == "timestamp"


def test_the_table_has_a_column_for_each_optional_id(template):
    names = [name for name, _ in columns_of(template)]
    assert {key.lower() for key in contract.ENRICHED_OPTIONAL} <= set(names)


def test_no_column_is_also_a_partition_key(template):
    assert not {name for name, _ in columns_of(template)} & set(partition_keys(template))


@pytest.fixture(scope="module")
def parsed(named_queries) -> dict[str, exp.Expression]:
    return {name: sqlglot.parse_one(sql, read="athena") for name, sql in named_queries.items()}


def test_every_named_query_reads_only_the_clicks_table(parsed, template):
    for name, tree in parsed.items():
        views = {cte.alias for cte in tree.find_all(exp.CTE)}
        tables = {table.name for table in tree.find_all(exp.Table)} - views
        assert tables == {glue_table(template)["Name"]}, name


def test_every_named_query_reads_the_clicks_through_the_shared_events(parsed, template):
    clicks = glue_table(template)["Name"]
    for name, tree in parsed.items():
        ctes = list(tree.find_all(exp.CTE))
        assert [cte.alias for cte in ctes[:2]] == ["once", "events"], name
        # Only the shared view reads the table itself; the question reads events (or once).
        reading = [cte.alias for cte in ctes if clicks in {t.name for t in cte.find_all(exp.Table)}]
        assert reading == ["once"], name
        outside = tree.copy()
        for cte in outside.find_all(exp.CTE):
            cte.pop()
        assert clicks not in {t.name for t in outside.find_all(exp.Table)}, name


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


def test_a_question_with_its_own_views_joins_them_to_the_shared_ones():
    shared = "once AS (SELECT 1 AS x),\nevents AS (SELECT * FROM once)"
    own = "-- A question.\nWITH mine AS (SELECT * FROM events)\nSELECT count(*) FROM mine\n"

    statement = compose(shared, own, "mine.sql")

    tree = sqlglot.parse_one(statement, read="athena")
    assert [cte.alias for cte in tree.find_all(exp.CTE)] == ["once", "events", "mine"]
    assert statement.splitlines()[0] == "-- A question."


def test_a_question_without_its_heading_is_refused():
    with pytest.raises(ValueError, match=r"nameless\.sql must start with a '-- ' line"):
        compose("events AS (SELECT 1)", "SELECT 1\n", "nameless.sql")


def test_every_named_query_reads_one_window_of_partitions(parsed, template):
    """Fourteen parameters: plain bounds on each partition key (10), the first and last partition
    (yyyymmdd of the partition keys), then the window's first and last day, which clickedat must
    fall on."""
    keys = partition_keys(template)
    for name, tree in parsed.items():
        # Once, in the shared view every question reads.
        placeholders = list(tree.find_all(exp.Placeholder))
        assert len(placeholders) == 14, name
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


def conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    """The terms of a chain of ANDs, parentheses removed."""
    condition = condition.unnest()
    if isinstance(condition, exp.And):
        return conjuncts(condition.left) + conjuncts(condition.right)
    return [condition]


def test_every_named_query_bounds_each_partition_key_by_itself(parsed, template):
    """Athena documents partition pruning for predicates on partition columns, not on an
    expression of them: each key has its own bounds, ANDed with the rest of the window, each a
    BETWEEN (or an OR of them) on that key alone, on the parameters."""
    keys = partition_keys(template)
    for name, tree in parsed.items():
        (where,) = [
            w
            for w in tree.find_all(exp.Where)
            if any(c.name == "clickedat" for c in w.find_all(exp.Column))
        ]
        terms = conjuncts(where.this)
        for key in keys:
            own = [t for t in terms if {c.name for c in t.find_all(exp.Column)} == {key}]
            assert len(own) == 1, (name, key)
            ranges = list(own[0].find_all(exp.Between))
            assert ranges, (name, key)
            assert all(isinstance(r.this, exp.Column) and r.this.name == key for r in ranges)
            assert all(
                isinstance(r.args["low"], exp.Placeholder)
                and isinstance(r.args["high"], exp.Placeholder)
                for r in ranges
            ), (name, key)
            # Ranges are joined by OR only: any AND would be a bound of another shape.
            assert not list(own[0].find_all(exp.And)), (name, key)


def test_before_like_asks_before_adoption_of_likes():
    """The same rules, the same shape: the two statements differ only in the event they look
    back from, and the names that follow from it."""
    by_key = {question.key: question for question in QUESTIONS}
    adoption = sqlglot.parse_one(by_key["beforeAdoption"].sql, read="athena")
    like = sqlglot.parse_one(by_key["beforeLike"].sql, read="athena")
    renamed = {
        "adoptions": "likes",
        "adoption": "like_number",
        "adoption_keys": "like_keys",
        "per_adoption": "per_like",
        "adopted_without_viewing": "liked_without_viewing",
    }

    def rename(node):
        if isinstance(node, exp.Identifier) and node.name in renamed:
            return exp.to_identifier(renamed[node.name])
        if isinstance(node, exp.Literal) and node.is_string and node.this == "adopt":
            return exp.Literal.string("like")
        return node

    assert adoption.transform(rename).sql("athena", comments=False) == like.sql(
        "athena", comments=False
    )
    assert [c.alias_or_name for c in like.selects] == [
        "likes",
        "median_profiles_viewed",
        "median_distinct_mysfits_viewed",
        "median_minutes_from_first_view",
        "liked_without_viewing",
    ]
