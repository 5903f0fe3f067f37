"""`generate.py replay` against the local runner: failed clicks go back in, each exactly once."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import boto3
import pytest
import requests

from clickstream.commands import replay
from clickstream.commands.replaying import engine
from clickstream.commands.replaying.failures import FailureObject
from clickstream.commands.replaying.keys import FAILED_PREFIX, REPLAYED_PREFIX, UNRECOVERABLE_PREFIX
from clickstream.commands.replaying.sending import Sender
from clickstream.commands.replaying.storage import FolderStorage
from clickstream.http.servers import LocalServer
from clickstream.local.mysfits import MysfitsCatalog, MysfitsHandler

from .conftest import closed_port, put_click
from .test_firehose_api import start_firehose_api


@pytest.fixture
def no_aws_credentials(monkeypatch):
    """The local runner needs none: the command must work without them."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


class MysfitsApi:
    """The Mysfits API on a fixed port, which a test can take down and bring back."""

    def __init__(self) -> None:
        self.port = closed_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: LocalServer | None = None

    def up(self) -> None:
        self.server = LocalServer(MysfitsHandler, "127.0.0.1", self.port, "Mysfits API")
        self.server.start(MysfitsCatalog(self.url))

    def down(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def mysfits_api():
    api = MysfitsApi()
    yield api
    api.down()


def files_under(root: Path, prefix: str) -> list[Path]:
    base = root / prefix
    return sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []


def run_replay(capsys, *argv: str) -> tuple[int, str, str]:
    status = replay.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_clicks_failed_during_an_outage_are_enriched_after_replay_and_never_twice(
    start_pipeline, mysfits_api, no_aws_credentials, capsys
):
    mysfits_api.up()
    mysfits = requests.get(f"{mysfits_api.url}/mysfits", timeout=10).json()["mysfits"]
    pipeline = start_pipeline(mysfits_api_url=mysfits_api.url)
    clicks = [
        {
            "userId": f"u{i}-{uuid.uuid4().hex[:6]}",
            "mysfitId": mysfits[i % len(mysfits)]["mysfitId"],
        }
        for i in range(30)
    ]

    # GIVEN the Mysfits API is down while the clicks arrive, and its table too (the fallback)
    mysfits_api.down()
    table = boto3.client(
        "dynamodb", endpoint_url=pipeline.aws_endpoint_url, region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip
    for name in table.list_tables()["TableNames"]:
        table.delete_table(TableName=name)
    assert [put_click(pipeline, click).status_code for click in clicks] == [200] * len(clicks)
    pipeline.flush()
    assert pipeline.delivered_records() == []
    failures = pipeline.failed_records()
    assert len(failures) == len(clicks)
    # The API stamped each click when it received it; the failure record keeps that stamp.
    received = {
        json.loads(f["raw"])["userId"]: json.loads(f["raw"])["receivedAt"] for f in failures
    }
    assert all(
        abs(received[json.loads(f["raw"])["userId"]] - f["arrivalTimestamp"]) < 60_000
        for f in failures
    )
    failed_files = files_under(pipeline.bucket_dir, FAILED_PREFIX)
    assert failed_files

    # WHEN it is back and the failed clicks are replayed through the runner's Firehose API
    mysfits_api.up()
    where = ["--endpoint-url", pipeline.firehose_url, "--bucket-dir", str(pipeline.bucket_dir)]
    status, out, err = run_replay(capsys, *where)
    pipeline.flush()

    # THEN every click is delivered enriched, once, and the failure objects moved aside
    assert status == 0, err
    assert f"replayed {len(clicks)} of {len(clicks)} clicks" in out
    assert len(out.strip().splitlines()) == 1
    delivered = pipeline.delivered_records()
    assert sorted((r["userid"], r["mysfitid"]) for r in delivered) == sorted(
        (c["userId"], c["mysfitId"]) for c in clicks
    )
    species = {m["mysfitId"]: m["species"] for m in mysfits}
    assert all(r["species"] == species[r["mysfitid"]] for r in delivered)
    # AND each is dated by the time the API received it, not by the replay (clickedat: UTC)
    for record in delivered:
        first = datetime.fromtimestamp(received[record["userid"]] / 1000, UTC)
        assert record["clickedat"].replace(tzinfo=UTC) == first
        assert "receivedat" not in record
    assert files_under(pipeline.bucket_dir, FAILED_PREFIX) == []
    moved = files_under(pipeline.bucket_dir, REPLAYED_PREFIX)
    assert [p.name for p in moved] == [p.name for p in failed_files]

    # AND a second run finds nothing to replay
    status, out, _ = run_replay(capsys, *where)
    pipeline.flush()
    assert status == 0
    assert "replayed 0 of 0 clicks from 0 objects" in out
    assert len(pipeline.delivered_records()) == len(clicks)


def test_a_dry_run_only_counts(start_pipeline, no_aws_credentials, capsys):
    pipeline = start_pipeline(mysfits_api_url=f"http://127.0.0.1:{closed_port()}")
    for i in range(4):
        put_click(pipeline, {"userId": f"dry{i}", "mysfitId": "m"})
    pipeline.flush()
    before = files_under(pipeline.bucket_dir, FAILED_PREFIX)

    status, out, _ = run_replay(
        capsys,
        "--dry-run",
        "--endpoint-url",
        pipeline.firehose_url,
        "--bucket-dir",
        str(pipeline.bucket_dir),
    )

    assert status == 0
    assert out.startswith("dry run: 4 clicks in")
    assert files_under(pipeline.bucket_dir, FAILED_PREFIX) == before
    assert pipeline.stream is not None and pipeline.stream.buffered() == 0


# --- Against the Firehose API alone, with its quota: retries, and what keeps failing -------------


FIRST_ARRIVAL = 1_795_000_000_000  # when Firehose first received the failed clicks


def failure_line(click: bytes) -> bytes:
    record = {
        "attemptsMade": 1,
        "arrivalTimestamp": FIRST_ARRIVAL,
        "errorCode": "Lambda.ProcessingFailedStatus",
        "errorMessage": "ProcessingFailed status set for record",
        "attemptEndingTimestamp": 1_795_000_060_000,
        "rawData": base64.b64encode(click).decode(),
        "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:processor",
    }
    return json.dumps(record).encode() + b"\n"


def write_failures(bucket: Path, day: str, name: str, lines: list[bytes]) -> str:
    year, month, dd = day.split("-")
    key = f"{FAILED_PREFIX}year={year}/month={month}/day={dd}/{name}"
    path = bucket.joinpath(*key.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(lines))
    return key


@pytest.fixture
def firehose(tmp_path):
    """A local stream behind Firehose's API with a quota and a clock that moves when the replay
    sleeps."""
    servers = []

    def start(records_per_second: int, *, time_passes: bool = True):
        server, client, stream, clock = start_firehose_api(
            tmp_path / "delivered", records_per_second
        )
        servers.append(server)
        sleeps: list[float] = []

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            if time_passes:
                clock.now += seconds

        return stream, Sender(client, stream.name, sleep=sleep), sleeps, clock

    yield start
    for server in servers:
        server.stop()


def sent(stream) -> list[bytes]:
    written = len(stream.objects)
    stream.flush()
    return [
        line
        for key in stream.objects[written:]
        for line in (stream.bucket_dir / key).read_bytes().splitlines()
    ]


def as_replayed(clicks: list[bytes]) -> list[dict]:
    """Each click as the replay sends it: itself, dated by the time Firehose first received it
    (these clicks, like those written before the API stamped receivedAt, carry no date)."""
    return sorted(
        ({**json.loads(c), "receivedAt": FIRST_ARRIVAL} for c in clicks), key=lambda c: c["userId"]
    )


def parsed(chunks: list[bytes]) -> list[dict]:
    """The JSON clicks in what was written, back to back as Firehose writes records."""
    text, records, end = b"".join(chunks).decode(), [], 0
    while end < len(text):
        record, end = json.JSONDecoder().raw_decode(text, end)
        records.append(record)
    return sorted(records, key=lambda c: c["userId"])


def test_records_over_the_quota_are_retried_with_backoff_until_taken(firehose, tmp_path):
    bucket = tmp_path / "bucket"
    clicks = [f'{{"userId":"q{i}","mysfitId":"m"}}\n'.encode() for i in range(120)]
    write_failures(bucket, "2026-11-27", "a", [failure_line(c) for c in clicks])
    stream, sender, sleeps, _ = firehose(records_per_second=50)

    summary = engine.replay(FolderStorage(bucket), sender)

    assert (summary.replayed, summary.kept_failing) == (120, 0)
    assert parsed(sent(stream)) == as_replayed(clicks)
    assert sleeps and sleeps == sorted(sleeps)  # backing off, never hammering
    assert files_under(bucket, FAILED_PREFIX) == []


def test_a_click_that_keeps_failing_is_reported_and_kept_and_the_rest_not_sent_twice(
    firehose, tmp_path
):
    bucket = tmp_path / "bucket"
    clicks = [f'{{"userId":"k{i}","mysfitId":"m"}}\n'.encode() for i in range(5)]
    key = write_failures(bucket, "2026-11-27", "b", [failure_line(c) for c in clicks])
    stream, sender, _, clock = firehose(records_per_second=3, time_passes=False)
    storage = FolderStorage(bucket)

    first = engine.replay(storage, sender)

    assert (first.replayed, first.kept_failing) == (3, 2)
    assert any(
        "2 clicks kept failing" in p and "ServiceUnavailableException" in p for p in first.problems
    )
    left = FailureObject.parse(key, storage.read(key))
    assert parsed(left.clicks) == as_replayed(clicks[3:])

    clock.now += 1  # the quota frees up
    second = engine.replay(storage, sender)

    assert (second.replayed, second.kept_failing) == (2, 0)
    assert parsed(sent(stream)) == as_replayed(clicks)  # each click once
    replayed = [FailureObject.parse(k, storage.read(k)) for k in storage.keys(REPLAYED_PREFIX)]
    assert parsed([c for o in replayed for c in o.clicks]) == as_replayed(clicks)
    assert list(storage.keys(FAILED_PREFIX)) == []


def test_unreadable_lines_stay_and_are_reported(firehose, tmp_path):
    bucket = tmp_path / "bucket"
    good = b'{"userId":"g","mysfitId":"m"}\n'
    key = write_failures(bucket, "2026-11-27", "c", [b"not a failure record\n", failure_line(good)])
    stream, sender, _, _ = firehose(records_per_second=100)
    storage = FolderStorage(bucket)

    summary = engine.replay(storage, sender)

    assert (summary.replayed, summary.unreadable) == (1, 1)
    assert parsed(sent(stream)) == as_replayed([good])
    assert storage.read(key) == b"not a failure record\n"


def test_a_date_range_replays_only_those_days(firehose, tmp_path):
    bucket = tmp_path / "bucket"
    for day in ("2026-11-25", "2026-11-26", "2026-11-27"):
        click = json.dumps({"userId": day, "mysfitId": "m"}).encode()
        write_failures(bucket, day, "d", [failure_line(click)])
    stream, sender, _, _ = firehose(records_per_second=100)

    summary = engine.replay(
        FolderStorage(bucket),
        sender,
        since=date(2026, 11, 26),
        until=date(2026, 11, 26),
    )

    assert summary.objects == 1
    assert [click["userId"] for click in parsed(sent(stream))] == ["2026-11-26"]


def test_a_long_run_reports_progress_as_it_goes(firehose, tmp_path):
    bucket = tmp_path / "bucket"
    for n in range(6):
        click = json.dumps({"userId": f"p{n}", "mysfitId": "m"}).encode()
        write_failures(bucket, "2026-11-27", f"p{n}", [failure_line(click)])
    _, sender, _, _ = firehose(records_per_second=100)
    ticks = iter(range(0, 100, 1))  # one second passes per look at the clock
    reports: list[str] = []

    summary = engine.replay(
        FolderStorage(bucket), sender, progress=reports.append, clock=lambda: next(ticks)
    )

    assert summary.replayed == 6
    assert reports
    assert reports[-1].endswith("clicks replayed")
    done = [int(report.split("/")[0]) for report in reports]
    assert done == sorted(done) and done[-1] <= 6


# --- What can never succeed, and what cannot be read ---------------------------------------------


DEEP = 100_000  # far past Python's recursion limit; the click model does not bound nesting


def test_a_deeply_nested_click_neither_stops_the_run_nor_is_sent_again(firehose, tmp_path):
    bucket = tmp_path / "bucket"
    good = [json.dumps({"userId": f"g{n}", "mysfitId": "m"}).encode() for n in range(3)]
    deep = b'{"userId":"d","mysfitId":"m","x":' + b"[" * DEEP + b"]" * DEEP + b"}"
    # The processor keeps such a click, as it must: its JSON is too deep to read (invalid_json).
    first = write_failures(
        bucket,
        "2026-11-27",
        "a",
        [failure_line(good[0]), failure_line(deep), failure_line(good[1])],
    )
    deep_line = b"[" * DEEP + b"]" * DEEP + b"\n"  # a line that is no failure record at all
    second = write_failures(bucket, "2026-11-27", "b", [deep_line, failure_line(good[2])])
    stream, sender, _, _ = firehose(records_per_second=100)
    storage = FolderStorage(bucket)

    summary = engine.replay(storage, sender)

    # Every object after the deep click is replayed; the deep click is set apart by its reason
    assert parsed(sent(stream)) == as_replayed(good)
    assert summary.set_apart == {"invalid_json": 1}
    (apart,) = storage.keys(UNRECOVERABLE_PREFIX + "invalid_json/")
    assert storage.read(apart) == failure_line(deep)
    assert apart.startswith(UNRECOVERABLE_PREFIX + "invalid_json/year=2026/month=11/day=27/a-part-")
    assert first not in list(storage.keys(FAILED_PREFIX))
    # The unreadable line is named by object and line, and stays where it was
    assert f"{second} line 1: nested too deeply to read; it stays" in summary.problems
    assert storage.read(second) == deep_line
    assert "1 clicks that can never succeed (invalid_json 1) were set apart" in summary.line(
        stream.name, dry_run=False
    )

    # A second run sends nothing again
    again = engine.replay(storage, sender)
    assert (again.replayed, sum(again.set_apart.values())) == (0, 0)
    assert sent(stream) == []


def test_clicks_for_unknown_mysfits_are_set_apart_until_forced(
    mysfits_api, tmp_path, no_aws_credentials, capsys
):
    mysfits_api.up()
    known = requests.get(f"{mysfits_api.url}/mysfits", timeout=10).json()["mysfits"][0]
    bucket = tmp_path / "bucket"
    clicks = [
        json.dumps({"userId": "a", "mysfitId": known["mysfitId"]}).encode(),
        json.dumps({"userId": "b", "mysfitId": "no-such-mysfit"}).encode(),
        json.dumps({"userId": "c", "mysfitId": "made-up-too"}).encode(),
    ]
    write_failures(bucket, "2026-11-27", "u", [failure_line(c) for c in clicks])
    server, _, stream, _ = start_firehose_api(tmp_path / "delivered", None)
    where = ["--bucket-dir", str(bucket), "--endpoint-url", server.url]
    storage = FolderStorage(bucket)
    try:
        # WHEN the failures are replayed with the Mysfits API that says which mysfits exist
        status, out, err = run_replay(capsys, *where, "--mysfits-api-url", mysfits_api.url)

        # THEN only the known mysfit's click is sent; the others are set apart, by reason
        assert status == 0, err
        assert parsed(sent(stream)) == as_replayed(clicks[:1])
        assert out.strip().endswith(
            "; 2 clicks that can never succeed (unknown_mysfit 2) were set apart under "
            f"{UNRECOVERABLE_PREFIX} (--include-unrecoverable sends them)"
        )
        (apart,) = storage.keys(UNRECOVERABLE_PREFIX + "unknown_mysfit/")
        assert parsed(FailureObject.parse(apart, storage.read(apart)).clicks) == (
            as_replayed(clicks[1:])
        )
        assert list(storage.keys(FAILED_PREFIX)) == []

        # AND another run sends nothing
        status, out, _ = run_replay(capsys, *where, "--mysfits-api-url", mysfits_api.url)
        assert "replayed 0 of 0 clicks" in out and "set apart" not in out
        assert sent(stream) == []

        # AND --include-unrecoverable sends them, once
        status, out, _ = run_replay(capsys, *where, "--include-unrecoverable")
        assert status == 0
        assert parsed(sent(stream)) == as_replayed(clicks[1:])
        assert list(storage.keys(UNRECOVERABLE_PREFIX)) == []
        status, out, _ = run_replay(capsys, *where, "--include-unrecoverable")
        assert sent(stream) == []
    finally:
        server.stop()


def test_a_whole_batch_the_function_failed_is_always_replayed(firehose, tmp_path):
    bucket = tmp_path / "bucket"
    click = json.dumps({"userId": "t", "mysfitId": "no-such-mysfit"}).encode()
    line = json.loads(failure_line(click))
    line |= {"errorCode": "Lambda.FunctionTimeout", "errorMessage": "Task timed out"}
    write_failures(bucket, "2026-11-27", "t", [json.dumps(line).encode() + b"\n"])
    stream, sender, _, _ = firehose(records_per_second=100)

    summary = engine.replay(FolderStorage(bucket), sender, triage=replay.Triage(frozenset({"m"})))

    assert (summary.replayed, summary.set_apart) == (1, {})
    assert parsed(sent(stream)) == as_replayed([click])
