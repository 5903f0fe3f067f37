"""`generate.py replay` on a deployed stack (S3, Firehose, CloudFormation on moto), and its CLI."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from clickstream.commands import replay
from clickstream.commands.replaying.keys import FAILED_PREFIX, REPLAYED_PREFIX, replayed_key
from clickstream.commands.replaying.sending import batches
from tests.fake_aws import use_fake_credentials
from tests.local.test_replay_round_trip import as_replayed, failure_line, parsed

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
BUCKET = "mysfits-clicks-bucket"
STREAM = "mysfits-clicks-stream"
ROLE = "arn:aws:iam::123456789012:role/delivery"


@pytest.fixture
def aws(monkeypatch):
    use_fake_credentials(monkeypatch, REGION)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        boto3.client("firehose", region_name=REGION).create_delivery_stream(
            DeliveryStreamName=STREAM,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": ROLE,
                "BucketARN": f"arn:aws:s3:::{BUCKET}",
                "Prefix": "clicks/",
            },
        )
        stack = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {
                "ClicksBucketName": {"Value": BUCKET},
                "DeliveryStreamName": {"Value": STREAM},
            },
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName="clicks", TemplateBody=json.dumps(stack)
        )
        yield s3


def failure_object(clicks: list[bytes]) -> bytes:
    return b"".join(failure_line(click) for click in clicks)


def keys(s3, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def body(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def click(n: int) -> bytes:
    return json.dumps({"userId": f"user{n}", "mysfitId": "m"}).encode() + b"\n"


def test_a_deployed_stacks_failed_clicks_go_back_into_its_stream(aws, capsys):
    s3 = aws
    day = "year=2026/month=11/day=27/"
    first = f"{FAILED_PREFIX}{day}{STREAM}-1-2026-11-27-10-00-00-a"
    second = f"{FAILED_PREFIX}{day}{STREAM}-1-2026-11-27-11-00-00-b.gz"
    s3.put_object(Bucket=BUCKET, Key=first, Body=failure_object([click(0), click(1)]))
    s3.put_object(
        Bucket=BUCKET, Key=second, Body=gzip.compress(failure_object([click(2)]), mtime=0)
    )

    status = replay.main(["--stack-name", "clicks", "--region", REGION])
    out = capsys.readouterr().out

    assert status == 0
    assert out.strip() == (
        f"replayed 3 of 3 clicks from 2 objects into {STREAM}; 2 objects moved to "
        f"{REPLAYED_PREFIX}; 0 kept failing and 0 unreadable lines stay under "
        f"{FAILED_PREFIX}"
    )
    # moto's Firehose writes what it is given straight to the stream's destination.
    delivered = [body(s3, key) for key in keys(s3, "clicks/")]
    assert parsed(delivered) == as_replayed([click(0), click(1), click(2)])
    assert keys(s3, FAILED_PREFIX) == []
    assert sorted(keys(s3, REPLAYED_PREFIX)) == sorted(replayed_key(k) for k in (first, second))
    assert body(s3, replayed_key(first)) == failure_object([click(0), click(1)])


def test_a_second_run_replays_nothing(aws, capsys):
    s3 = aws
    key = f"{FAILED_PREFIX}year=2026/month=11/day=27/x"
    s3.put_object(Bucket=BUCKET, Key=key, Body=failure_object([click(7)]))
    assert replay.main(["--stack-name", "clicks", "--region", REGION]) == 0
    delivered_once = keys(s3, "clicks/")

    assert replay.main(["--stack-name", "clicks", "--region", REGION]) == 0

    assert "replayed 0 of 0 clicks from 0 objects" in capsys.readouterr().out
    assert keys(s3, "clicks/") == delivered_once


def test_a_dry_run_on_s3_moves_nothing(aws, capsys):
    s3 = aws
    key = f"{FAILED_PREFIX}year=2026/month=11/day=27/x"
    s3.put_object(Bucket=BUCKET, Key=key, Body=failure_object([click(1), click(2)]))

    assert replay.main(["--stack-name", "clicks", "--region", REGION, "--dry-run"]) == 0

    assert capsys.readouterr().out.startswith("dry run: 2 clicks in 1 objects")
    assert keys(s3, FAILED_PREFIX) == [key]
    assert keys(s3, "clicks/") == []


def test_a_missing_stack_is_one_line_and_exit_2(aws, capsys):
    assert replay.main(["--stack-name", "nope", "--region", REGION]) == 2
    err = capsys.readouterr().err
    assert err == f"generate.py replay: error: stack 'nope' does not exist in {REGION}\n"
    assert len(err.strip().splitlines()) == 1


def test_an_unknown_stream_stops_the_run_and_moves_nothing(aws, capsys):
    s3 = aws
    key = f"{FAILED_PREFIX}year=2026/month=11/day=27/x"
    s3.put_object(Bucket=BUCKET, Key=key, Body=failure_object([click(1)]))

    status = replay.main(["--bucket", BUCKET, "--stream-name", "gone", "--region", REGION])

    assert status == 2
    assert "ResourceNotFoundException" in capsys.readouterr().err
    assert keys(s3, FAILED_PREFIX) == [key]


# --- Batches ------------------------------------------------------------------------------------


def test_batches_hold_at_most_500_records():
    clicks = [b"x" * 50] * 1201
    assert [len(b) for b in batches(list(range(1201)), clicks)] == [500, 500, 201]


def test_batches_hold_at_most_4_mib_as_sent():
    clicks = [b"x" * (1000 * 1024)] * 5  # the largest records Firehose takes
    runs = list(batches(list(range(5)), clicks))
    assert [len(b) for b in runs] == [3, 2]
    for run in runs:
        assert sum(len(base64.b64encode(clicks[i])) for i in run) <= 4 * 1024 * 1024


# --- The command line -----------------------------------------------------------------------------


def run_command(*argv: str, prelude: str = "") -> subprocess.CompletedProcess:
    script = f"{prelude}\nimport sys, runpy\nsys.argv = ['generate.py', *{list(argv)!r}]\n"
    script += "runpy.run_path('generate.py', run_name='__main__')"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ((), "say where the clicks are"),
        (("--bucket-dir", "b"), "--bucket-dir needs --endpoint-url"),
        (("--bucket", "b", "--since", "2026-13-01"), "is not a date like"),
        (("--bucket", "b", "--since", "2026-11-02", "--until", "2026-11-01"), "after --until"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv, says):
    result = run_command("replay", *argv)
    assert result.returncode == 2
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_without_boto3_it_says_what_to_install():
    result = run_command(
        "replay", "--bucket", "b", prelude="import sys; sys.modules['boto3'] = None"
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "generate.py replay: error: boto3 is not installed; install it with: "
        "python -m pip install boto3"
    )


def test_generate_lists_the_command():
    result = run_command("--help")
    assert "replay" in result.stdout
