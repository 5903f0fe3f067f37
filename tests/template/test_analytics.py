"""The Glue table, the Athena workgroup and its named queries, on the rendered template."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from clickstream import defaults
from clickstream.local.cloudformation import ResolvedTemplate
from clickstream.local.firehose.prefix import evaluate_prefix
from clickstream.queries import QUESTIONS


def ref(name: str) -> dict:
    return {"Ref": name}


@pytest.fixture(scope="module")
def table(one) -> dict:
    return one("AWS::Glue::Table")[1]["TableInput"]


@pytest.fixture(scope="module")
def workgroup(one) -> dict:
    return one("AWS::Athena::WorkGroup")[1]


@pytest.fixture(scope="module")
def delivery(one) -> dict:
    return one("AWS::KinesisFirehose::DeliveryStream")[1]["ExtendedS3DestinationConfiguration"]


def in_bucket(value: dict, bucket: str) -> str:
    """``s3://${Bucket}/…`` with Bucket bound to our bucket -> the key part."""
    text, variables = value["Fn::Sub"]
    assert variables == {"Bucket": ref(bucket)}, value
    assert text.startswith("s3://${Bucket}/"), text
    return text.removeprefix("s3://${Bucket}/")


def projected_location(table: dict, bucket: str, moment: datetime) -> str:
    """Where Athena looks for one day's clicks: the template filled from the projection."""
    parameters = table["Parameters"]
    location = in_bucket(parameters["storage.location.template"], bucket)
    values = {"year": moment.year, "month": moment.month, "day": moment.day}
    for key, value in values.items():
        digits = int(parameters.get(f"projection.{key}.digits", "1"))
        location = location.replace("${!" + key + "}", f"{value:0{digits}d}")
    return location


# --- Table ------------------------------------------------------------------------------------


def test_table_is_in_the_stacks_database(one):
    database, _ = one("AWS::Glue::Database")
    _, table = one("AWS::Glue::Table")
    assert table["DatabaseName"] == ref(database)
    assert table["CatalogId"] == ref("AWS::AccountId")


def test_table_reads_the_parquet_firehose_writes(table):
    storage = table["StorageDescriptor"]
    assert storage["SerdeInfo"]["SerializationLibrary"] == (
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    assert storage["InputFormat"] == (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    )
    assert storage["OutputFormat"] == (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    )
    assert table["Parameters"]["classification"] == "parquet"
    assert table["TableType"] == "EXTERNAL_TABLE"


def test_columns_are_typed_from_the_one_contract(table):
    columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
    assert columns == [(key.lower(), kind) for key, kind in defaults.CLICK_FIELDS]
    # A time is a timestamp, not text; the ids' keys are 64-bit integers; every type is one the
    # Parquet SerDe writes.
    assert dict(columns)["clickedat"] == "timestamp"
    assert [dict(columns)[k] for k in ("clickkey", "visitorkey", "userkey")] == ["bigint"] * 3
    assert {kind for _, kind in columns} <= {"string", "boolean", "timestamp", "bigint"}


def test_table_lies_over_the_clicks_prefix_and_nothing_else(table, delivery, one):
    bucket, _ = one("AWS::S3::Bucket")
    location = in_bucket(table["StorageDescriptor"]["Location"], bucket)
    assert delivery["Prefix"].startswith(location)
    assert location.endswith("/") and "!{" not in location
    assert not evaluate_prefix(
        delivery["ErrorOutputPrefix"], datetime(2026, 1, 1, tzinfo=UTC), error_output_type="x"
    ).startswith(location)


def test_projection_is_enabled_with_no_crawler(table, of_type):
    assert table["Parameters"]["projection.enabled"] == "true"
    assert of_type("AWS::Glue::Crawler") == {}


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 7, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 12, tzinfo=UTC),
        datetime(2028, 2, 29, 6, tzinfo=UTC),
    ],
)
def test_projected_location_of_a_day_is_where_firehose_writes_it(table, delivery, one, moment):
    bucket, _ = one("AWS::S3::Bucket")
    assert projected_location(table, bucket, moment) == evaluate_prefix(delivery["Prefix"], moment)


def test_partition_keys_are_the_prefixs_date_fields_in_order(table, delivery):
    keys = [key["Name"] for key in table["PartitionKeys"]]
    assert keys == re.findall(r"(\w+)=!\{timestamp:", delivery["Prefix"])
    assert {key["Type"] for key in table["PartitionKeys"]} == {"int"}
    for key in keys:
        assert table["Parameters"][f"projection.{key}.type"] == "integer"


def projected_range(table: dict, key: str) -> range:
    low, high = table["Parameters"][f"projection.{key}.range"].split(",")
    return range(int(low), int(high) + 1)


def test_projection_covers_every_month_and_day(table):
    assert projected_range(table, "month") == range(1, 13)
    assert projected_range(table, "day") == range(1, 32)


def test_projection_covers_this_year_and_the_next(table):
    # Fails when the years need widening (defaults.PARTITION_PROJECTION), before clicks go unseen.
    this_year = datetime.now(UTC).year
    assert {this_year, this_year + 1} <= set(projected_range(table, "year"))


# --- Workgroup --------------------------------------------------------------------------------


def test_workgroup_enforces_its_settings(workgroup):
    configuration = workgroup["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["PublishCloudWatchMetricsEnabled"] is True


def test_workgroup_encrypts_results_in_our_bucket(workgroup, one):
    bucket, _ = one("AWS::S3::Bucket")
    results = workgroup["WorkGroupConfiguration"]["ResultConfiguration"]
    assert results["EncryptionConfiguration"]["EncryptionOption"] in {"SSE_S3", "SSE_KMS"}
    assert results["ExpectedBucketOwner"] == ref("AWS::AccountId")
    assert in_bucket(results["OutputLocation"], bucket)


def test_results_go_where_the_stream_and_the_table_never_are(workgroup, table, delivery, one):
    bucket, _ = one("AWS::S3::Bucket")
    results = in_bucket(
        workgroup["WorkGroupConfiguration"]["ResultConfiguration"]["OutputLocation"], bucket
    )
    moment = datetime(2026, 5, 5, tzinfo=UTC)
    written = [
        evaluate_prefix(delivery["Prefix"], moment),
        evaluate_prefix(delivery["ErrorOutputPrefix"], moment, error_output_type="x"),
        in_bucket(table["StorageDescriptor"]["Location"], bucket),
    ]
    for prefix in written:
        assert not results.startswith(prefix) and not prefix.startswith(results), prefix


def test_results_expire(one, workgroup):
    bucket_name, bucket = one("AWS::S3::Bucket")
    results = in_bucket(
        workgroup["WorkGroupConfiguration"]["ResultConfiguration"]["OutputLocation"], bucket_name
    )
    rules = bucket["LifecycleConfiguration"]["Rules"]
    (rule,) = [r for r in rules if r.get("Prefix") == results]
    assert rule["Status"] == "Enabled"
    assert 0 < rule["ExpirationInDays"] <= 90
    # The bucket is versioned: an expired result stays as a noncurrent version until this.
    assert 0 < rule["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 30


def test_each_query_has_a_scan_limit_from_a_parameter(workgroup, template):
    limit = workgroup["WorkGroupConfiguration"]["BytesScannedCutoffPerQuery"]
    assert limit == ref("QueryScanLimitBytes")
    parameter = template["Parameters"]["QueryScanLimitBytes"]
    assert parameter["Type"] == "Number"
    # Athena's minimum cutoff is 10 MB.
    assert parameter["MinValue"] >= 10_000_000
    assert 10_000_000 <= parameter["Default"] <= 10 * 1024**3


def resolve(template: dict, stack: str) -> ResolvedTemplate:
    required = {
        "MysfitsTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/MysfitsTable",
        "MysfitsApiUrl": "https://mysfits.example.com/api",
        "LambdaCodeBucket": "code-bucket",
        "LambdaCodeKey": "clickstream/processor-0.zip",
    }
    return ResolvedTemplate(template, parameters=required, pseudo={"AWS::StackName": stack})


def test_workgroup_and_database_names_are_per_stack(template):
    names = set()
    for stack in ("clicks-a", "clicks-b"):
        resolved = resolve(template, stack)
        ((_, workgroup),) = resolved.of_type("AWS::Athena::WorkGroup")
        ((_, database),) = resolved.of_type("AWS::Glue::Database")
        names.add((workgroup["Name"], database["DatabaseInput"]["Name"]))
    assert len(names) == 2


def test_outputs_name_the_workgroup_and_the_database(template, one):
    database, _ = one("AWS::Glue::Database")
    workgroup, _ = one("AWS::Athena::WorkGroup")
    assert template["Outputs"]["ClicksWorkGroupName"]["Value"] == ref(workgroup)
    assert template["Outputs"]["ClicksDatabaseName"]["Value"] == ref(database)


# --- Named queries ----------------------------------------------------------------------------


def test_one_named_query_per_question_in_the_workgroup(of_type, one):
    database, _ = one("AWS::Glue::Database")
    workgroup, _ = one("AWS::Athena::WorkGroup")
    queries = {
        q["Properties"]["Name"]: q["Properties"]
        for q in of_type("AWS::Athena::NamedQuery").values()
    }
    assert set(queries) == {question.key for question in QUESTIONS}
    for query in queries.values():
        assert query["Database"] == ref(database)
        assert query["WorkGroup"] == ref(workgroup)


def test_named_queries_are_the_sql_files_word_for_word(of_type):
    queries = {
        q["Properties"]["Name"]: q["Properties"]
        for q in of_type("AWS::Athena::NamedQuery").values()
    }
    for question in QUESTIONS:
        assert queries[question.key]["QueryString"] == question.sql
        assert queries[question.key]["Description"] in question.sql.splitlines()[0]
