"""The report over a local bucket filled by the real pipeline, against counts made here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests

from clickstream.commands.report import main
from clickstream.commands.report.local import ask_bucket
from clickstream.commands.report.output import as_json
from clickstream.queries import Window

from .buckets import BROWSER, TimedDelivery, firehose_record
from .conftest import YEAR, YEAR_ARGS, Sent, delivered_clicks, expected_report, without_sessions

REPOSITORY = Path(__file__).resolve().parents[2]


def run_report(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_clicks_sent_through_the_clicks_api_are_counted(pipeline, profiles, capsys):
    ids = sorted(profiles)
    # Mysfit i gets i % 4 + 1 clicks, from three users and the signed-out "guest".
    users = ["guest", "ana", "bo", "guest", "cy"]
    plan = [
        (users[n % len(users)], mysfit) for i, mysfit in enumerate(ids) for n in range(i % 4 + 1)
    ]
    # Each user's tab sends its visitorId, as the page does.
    tab = {user: str(uuid.uuid5(uuid.NAMESPACE_URL, user)) for user in users}
    answers = [
        requests.put(
            f"{pipeline.api_url}/clicks",
            json={"userId": user, "mysfitId": mysfit, "visitorId": tab[user]},
            headers={"User-Agent": BROWSER},  # a person's browser, not a bot
            timeout=10,
        )
        for user, mysfit in plan
    ]
    pipeline.flush()
    assert [a.status_code for a in answers] == [200] * len(plan)

    status, out, _ = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), "--json")

    assert status == 0
    report = json.loads(out)
    assert {m: v["clicks"] for m, v in report["clicksByMysfit"].items()} == dict(
        Counter(mysfit for _, mysfit in plan)
    )
    assert report["totals"]["events"] == len(plan)
    assert report["totals"]["visitors"] == len({user for user, _ in plan})
    # When each click arrived is the pipeline's to say: hours and days are counted from the
    # clickedAt the processor wrote, everything else from what was sent.
    delivered = delivered_clicks(pipeline.bucket_dir)
    assert sorted((c.user_id, c.mysfit_id) for c in delivered) == sorted(plan)
    assert without_sessions(report) == expected_report(delivered, profiles)


def test_anonymous_clicks_without_a_visitor_never_count_as_their_claimed_users_visitor(
    pipeline, profiles, capsys
):
    # GIVEN one visitor's tab (visitorId sent), and a caller sending clicks without visitorId
    # under that visitor's userId, each with the same x-amzn-RequestId of its choosing
    mysfit = sorted(profiles)[0]
    tab = "5f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f"
    bodies = [{"userId": "ana", "mysfitId": mysfit, "visitorId": tab}] * 2
    bodies += [{"userId": "ana", "mysfitId": mysfit}] * 3
    chosen = {"User-Agent": BROWSER, "x-amzn-RequestId": "0b2f1c4e-6a4d-4b8e-9f61-3c2d1e0f9a8b"}
    for body in bodies:
        answer = requests.put(f"{pipeline.api_url}/clicks", json=body, headers=chosen, timeout=10)
        assert answer.status_code == 200
    pipeline.flush()

    # WHEN the report is asked
    status, out, _ = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), "--json")

    # THEN the tab is one visitor and each claimed click a visitor of its own: none joins the
    # tab's visitor or another under the claimed userId (or the chosen request id)
    assert status == 0
    totals = json.loads(out)["totals"]
    assert (totals["events"], totals["visitors"]) == (5, 4)
    assert json.loads(out)["sessions"]["sessions"] == 4


def known_clicks(profiles) -> list[list[Sent]]:
    """Three days of batches, with clicks on both sides of midnight and a tie for third place."""
    a, b, c, d, e = sorted(profiles)[:5]
    day = datetime(2026, 11, 26, tzinfo=UTC)

    def at(days: int, hours: int, minutes: int = 0, ms: int = 0) -> datetime:
        return day + timedelta(days=days, hours=hours, minutes=minutes, milliseconds=ms)

    return [
        # Day 1: a 3, b 2, then c, d and e 1 each (e's first click below), tied third.
        [Sent("ana", a, at(0, 9)), Sent("guest", a, at(0, 9, 5)), Sent("bo", a, at(0, 14))],
        [Sent("bo", b, at(0, 14, 1)), Sent("guest", b, at(0, 17))],
        [Sent("cy", c, at(0, 17, 30)), Sent("guest", d, at(0, 23, 59, 59_999))],
        # One batch across midnight: filed under day 1's folder, the second click is day 2's.
        [Sent("ana", e, at(0, 23, 59, 59_000)), Sent("ana", e, at(1, 0, 0, 1))],
        # Day 2 and day 3.
        [Sent("dee", b, at(1, 0)), Sent("guest", b, at(1, 8)), Sent("guest", c, at(1, 8, 30))],
        [Sent("ana", d, at(2, 23)), Sent("eve", d, at(2, 23, 59)), Sent("bo", a, at(2, 12))],
    ]


def test_known_clicks_on_known_days_and_hours(pipeline, profiles, deliver_at, named_queries):
    batches = known_clicks(profiles)
    for batch in batches:
        deliver_at(batch)
    clicks = [click for batch in batches for click in batch]

    answers = ask_bucket(pipeline.bucket_dir, YEAR, named_queries)

    report = as_json(answers)
    expected = expected_report(clicks, profiles)
    assert without_sessions(report) == expected
    # The numbers this test was written for, lest both sides agree on something else.
    assert report["clicksByHour"]["23"] == 4
    assert [entry["rank"] for entry in report["topMysfitsByDay"]["2026-11-26"]] == [1, 2, 3, 3, 3]
    assert sorted(report["topMysfitsByDay"]) == ["2026-11-26", "2026-11-27", "2026-11-28"]


def test_most_viewed_first(pipeline, profiles, deliver_at, capsys):
    first, second = sorted(profiles)[:2]
    moment = datetime(2026, 6, 1, 12, tzinfo=UTC)
    deliver_at([Sent("u", first, moment), Sent("u", second, moment), Sent("v", second, moment)])

    _, out, _ = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), "--json", *YEAR_ARGS)

    assert list(json.loads(out)["clicksByMysfit"]) == [second, first]


def test_the_table_shows_every_question_with_its_numbers(pipeline, profiles, deliver_at, capsys):
    mysfit = sorted(profiles)[0]
    moment = datetime(2026, 6, 1, 7, 30, tzinfo=UTC)
    deliver_at([Sent("guest", mysfit, moment)] * 3)

    status, out, _ = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), *YEAR_ARGS)

    assert status == 0
    assert "Profile views per mysfit" in out and "per hour" in out and "three most viewed" in out
    name, species = profiles[mysfit]["name"], profiles[mysfit]["species"]
    assert any(line.split() == [name, species, "3"] for line in out.splitlines())
    assert any(line.split() == ["07", "3"] for line in out.splitlines())
    assert mysfit not in out  # by name, not by id


def test_an_empty_bucket_is_an_empty_report(tmp_path, capsys):
    (tmp_path / "clicks").mkdir()

    status, out, err = run_report(capsys, "--bucket-dir", str(tmp_path), "--json", *YEAR_ARGS)

    assert status == 0
    assert json.loads(out) == {
        "totals": {
            "events": 0,
            "profileViews": 0,
            "likes": 0,
            "adoptions": 0,
            "visitors": 0,
            "signedInUsers": 0,
            "botEvents": 0,
        },
        "funnelByMysfit": {},
        "beforeAdoption": {
            "adoptions": 0,
            "medianProfilesViewed": None,
            "medianDistinctMysfitsViewed": None,
            "medianMinutesFromFirstView": None,
            "adoptedWithoutViewing": 0,
        },
        "beforeLike": {
            "likes": 0,
            "medianProfilesViewed": None,
            "medianDistinctMysfitsViewed": None,
            "medianMinutesFromFirstView": None,
            "likedWithoutViewing": 0,
        },
        "sessions": {
            "sessions": 0,
            "medianEventsPerSession": None,
            "medianMinutes": None,
            "bounceRate": None,
        },
        "clicksByMysfit": {},
        "clicksByAlignment": {},
        "clicksByHour": {},
        "topMysfitsByDay": {},
    }
    assert err == f"report: no clicks under {tmp_path} from 2026-01-01 to 2026-12-31\n"


def test_failed_clicks_and_half_written_objects_are_not_counted(
    pipeline, profiles, deliver_at, capsys
):
    mysfit = sorted(profiles)[0]
    deliver_at([Sent("u", mysfit, datetime(2026, 6, 1, tzinfo=UTC))])
    (folder,) = {p.parent for p in (pipeline.bucket_dir / "clicks").rglob("*") if p.is_file()}
    (folder / ".stream-1-2026-06-01-00-00-00-x.part").write_text('{"userId": "half')
    failed = pipeline.bucket_dir / "errors/processing-failed/year=2026/month=06/day=01/x"
    failed.parent.mkdir(parents=True)
    failed.write_text('{"rawData": "e30=", "errorCode": "Lambda.FunctionError"}\n')

    _, out, _ = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), "--json", *YEAR_ARGS)

    assert json.loads(out)["totals"]["events"] == 1


def test_the_report_says_how_many_clicks_sit_under_errors(pipeline, profiles, capsys):
    known = sorted(profiles)[0]
    unknown = "00000000-0000-4000-8000-000000000000"
    for mysfit in (known, unknown, unknown):
        click = {"userId": "guest", "mysfitId": mysfit}
        assert requests.put(f"{pipeline.api_url}/clicks", json=click, timeout=10).ok
    pipeline.flush()
    replayed = pipeline.bucket_dir / "errors/replayed/year=2026/month=06/day=01/x"
    replayed.parent.mkdir(parents=True)
    replayed.write_text('{"rawData": "e30="}\n')  # sent back already: not waiting any more

    status, _, err = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir))

    assert status == 0
    objects = len(pipeline.failed_objects())
    assert err.splitlines()[-1] == (
        f"report: 2 clicks in {objects} object{'' if objects == 1 else 's'} under "
        f"{pipeline.bucket_dir / 'errors'} could not be enriched and are not in this report "
        "(python generate.py replay sends them back)"
    )


def test_a_missing_bucket_is_one_line_and_exit_2(tmp_path, capsys):
    status, out, err = run_report(capsys, "--bucket-dir", str(tmp_path / "nowhere"))

    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and "no bucket at" in err and "generate.py local" in err


def test_a_json_object_from_before_parquet_is_one_line_and_exit_2(tmp_path, capsys):
    folder = tmp_path / "clicks" / "year=2026" / "month=01" / "day=02"
    folder.mkdir(parents=True)
    old = folder / "stream-1-2026-01-02-00-00-00-a"
    old.write_text('{"userId":"u","mysfitId":"m","clickedAt":"2026-01-02T00:00:00.000Z"}\n')

    status, out, err = run_report(capsys, "--bucket-dir", str(tmp_path), *YEAR_ARGS)

    assert status == 2
    assert out == ""
    assert err == (
        f"report: error: {old} is not a Parquet object (clicks written as JSON before the "
        "clicks were Parquet): convert or move them, see docs/json-clicks.md\n"
    )


def test_a_broken_parquet_object_is_one_line_and_exit_2(pipeline, profiles, deliver_at, capsys):
    deliver_at([Sent("u", sorted(profiles)[0], datetime(2026, 6, 1, tzinfo=UTC))])
    (path,) = (pipeline.bucket_dir / "clicks").rglob("*.parquet")
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])

    # WHEN the report is asked
    status, out, err = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), *YEAR_ARGS)

    # THEN the object is named, with what happened to it and what to do
    assert status == 2
    assert out == ""
    size = path.stat().st_size
    assert err == (
        f"report: error: {path} is cut short: it has no Parquet footer at its end "
        f"({size:,} bytes; an object written or copied in part): copy it again, or move it out "
        "of the bucket's clicks/ folder\n"
    )


def test_a_damaged_parquet_object_is_named_with_the_engines_reason(
    pipeline, profiles, deliver_at, capsys
):
    # GIVEN two objects, one whose framing is whole but whose data pages are garbage
    first, second = sorted(profiles)[:2]
    deliver_at([Sent("u", first, datetime(2026, 6, 1, tzinfo=UTC))])
    deliver_at([Sent("v", second, datetime(2026, 6, 2, tzinfo=UTC))])
    good, bad = sorted((pipeline.bucket_dir / "clicks").rglob("*.parquet"))
    data = bytearray(bad.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little")
    data[4 : len(data) - 8 - footer] = b"\xab" * (len(data) - 12 - footer)
    bad.write_bytes(bytes(data))

    # WHEN the report is asked
    status, out, err = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), *YEAR_ARGS)

    # THEN that object, and only it, is named, with the engine's reason and what to do
    assert status == 2
    assert out == ""
    assert err.startswith(f"report: error: {bad} cannot be read as Parquet (the engine says: ")
    assert err.endswith(
        "): the object is damaged; copy it again, or move it out of the bucket's clicks/ folder\n"
    )
    assert str(good) not in err
    assert err.count("\n") == 1


def test_an_object_written_before_a_column_existed_reads_it_as_null(
    pipeline, profiles, deliver_at, capsys
):
    import pyarrow.parquet as pq

    mysfit = sorted(profiles)[0]
    deliver_at([Sent("guest", mysfit, datetime(2026, 6, 1, tzinfo=UTC))] * 2)
    deliver_at([Sent("ana", mysfit, datetime(2026, 6, 2, tzinfo=UTC))])
    older, _ = sorted((pipeline.bucket_dir / "clicks").rglob("*.parquet"))
    # As an object Firehose wrote before the table had a userid column (nor its key).
    dropped = ["userid", "userkey", "event", "authenticated", "bot"]
    pq.write_table(pq.read_table(older).drop_columns(dropped), older)

    _, out, _ = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), "--json", *YEAR_ARGS)

    # The two older clicks read userid, event, authenticated and bot as NULL: profile views by
    # people, of no visitor; ana's is a visitor's.
    totals = json.loads(out)["totals"]
    assert (totals["events"], totals["profileViews"], totals["botEvents"]) == (3, 3, 0)
    assert totals["visitors"] == 1


def test_an_object_written_before_the_keys_counts_each_event_as_itself_of_no_visitor(
    pipeline, profiles, capsys
):
    import pyarrow.parquet as pq

    mysfit = sorted(profiles)[0]
    visitor, click = "00000001-0000-4000-8000-000000000001", "c11c0000-0000-4000-8000-000000000001"
    delivery = TimedDelivery(pipeline)
    view = firehose_record(
        "profile",
        "guest",
        mysfit,
        datetime(2026, 6, 1, 9, tzinfo=UTC),
        visitor_id=visitor,
        click_id=click,
    )
    adoption = firehose_record(
        "adopt",
        "ana",
        mysfit,
        datetime(2026, 6, 1, 9, 5, tzinfo=UTC),
        authenticated=True,
        visitor_id=visitor,
        click_id=click.replace("1", "2"),
    )
    for record in (view, view, adoption):  # the view delivered twice
        delivery.put(record)
    assert delivery.flush() == (3, 0)
    delivery.put(firehose_record("profile", "dan", mysfit, datetime(2026, 6, 2, tzinfo=UTC)))
    assert delivery.flush() == (1, 0)
    older, _ = sorted((pipeline.bucket_dir / "clicks").rglob("*.parquet"))
    # As an object Firehose wrote before the table had the keys.
    pq.write_table(pq.read_table(older).drop_columns(["clickkey", "visitorkey", "userkey"]), older)

    _, out, _ = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), "--json", *YEAR_ARGS)

    # The older object's events each count once as themselves (the view's two copies too), and
    # are no visitor's and no signed-in user's: only dan is a visitor, with one session.
    report = json.loads(out)
    totals = report["totals"]
    assert (totals["events"], totals["profileViews"], totals["adoptions"]) == (4, 3, 1)
    assert (totals["visitors"], totals["signedInUsers"]) == (1, 0)
    assert report["sessions"]["sessions"] == 1
    assert report["beforeAdoption"]["adoptions"] == 0
    assert report["funnelByMysfit"][mysfit]["viewers"] == 1


@pytest.mark.parametrize("module", ["duckdb", "sqlglot"])
def test_a_missing_package_says_what_to_install(tmp_path, capsys, monkeypatch, module):
    monkeypatch.setitem(sys.modules, module, None)  # import fails

    status, _, err = run_report(capsys, "--bucket-dir", str(tmp_path))

    assert status == 2
    assert err == (
        f"report: error: the local report needs {module}: "
        "python -m pip install -r requirements-report.txt\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "one of the arguments --bucket-dir --stack-name is required"),
        (["--bucket-dir", ".", "--stack-name", "s"], "not allowed with argument"),
        (["--bucket-dir", ".", "--region", "us-east-1"], "--region goes with --stack-name"),
        (["--bucket-dir", ".", "--chart", "c.pdf"], "--chart must name a .svg or .png file"),
        (["--stack-name", "s", "--timeout", "0"], "--timeout must be positive"),
        (["--bucket-dir", ".", "--since", "2026-11-31"], "'2026-11-31' is not a date like"),
        (["--bucket-dir", ".", "--until", "20261130"], "'20261130' is not a date like"),
        (
            ["--bucket-dir", ".", "--since", "2026-11-02", "--until", "2026-11-01"],
            "--since 2026-11-02 is after --until 2026-11-01",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(argv)

    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert message in err and err.count("\n") == 1


@pytest.fixture
def tokyo_time(monkeypatch):
    """This machine's local time is Tokyo's (nine hours ahead of UTC)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_hours_and_days_are_utc_whatever_the_machines_time_zone(
    pipeline, profiles, deliver_at, tokyo_time
):
    mysfit = sorted(profiles)[0]
    late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 08:30 on the 28th in Tokyo
    deliver_at([Sent("u", mysfit, late)])

    report = as_json(ask_bucket(pipeline.bucket_dir, YEAR))

    assert report["clicksByHour"] == {"23": 1}
    assert list(report["topMysfitsByDay"]) == ["2026-11-27"]


# --- The window -------------------------------------------------------------------------------


def test_a_click_on_the_day_before_since_is_not_counted(pipeline, profiles, deliver_at, capsys):
    a, b, c, d = sorted(profiles)[:4]
    # The last millisecond before the window, its first and last ones, the first one after.
    deliver_at([Sent("u", a, datetime(2026, 11, 9, 23, 59, 59, 999_000, tzinfo=UTC))])
    deliver_at([Sent("u", b, datetime(2026, 11, 10, tzinfo=UTC))])
    deliver_at([Sent("u", c, datetime(2026, 11, 12, 23, 59, 59, 999_000, tzinfo=UTC))])
    deliver_at([Sent("u", d, datetime(2026, 11, 13, tzinfo=UTC))])
    # A batch filed under the day before the window, whose second click is in it.
    deliver_at(
        [
            Sent("v", a, datetime(2026, 11, 9, 23, 59, 59, tzinfo=UTC)),
            Sent("v", b, datetime(2026, 11, 10, 0, 0, 1, tzinfo=UTC)),
        ]
    )
    window = ("--since", "2026-11-10", "--until", "2026-11-12")

    _, out, _ = run_report(capsys, "--bucket-dir", str(pipeline.bucket_dir), "--json", *window)

    report = json.loads(out)
    assert {k: v["clicks"] for k, v in report["clicksByMysfit"].items()} == {b: 2, c: 1}
    assert sorted(report["topMysfitsByDay"]) == ["2026-11-10", "2026-11-12"]


def test_each_question_reads_only_the_windows_partitions(pipeline, profiles, deliver_at):
    mysfit = sorted(profiles)[0]
    deliver_at([Sent("u", mysfit, datetime(2026, 3, 1, 12, tzinfo=UTC))])
    deliver_at([Sent("u", mysfit, datetime(2026, 9, 1, 12, tzinfo=UTC))])
    (march,) = (pipeline.bucket_dir / "clicks" / "year=2026" / "month=03").rglob("*.parquet")
    # An object the window's partitions leave out is never opened: this one cannot be read.
    march.write_bytes(b"PAR1 not Parquet PAR1")

    report = as_json(ask_bucket(pipeline.bucket_dir, Window(date(2026, 9, 1), date(2026, 9, 1))))

    assert report["totals"]["events"] == 1


def _report_in(zone: str, bucket: Path, *argv: str) -> dict:
    """The report's JSON from python generate.py report, run where local time is ``zone``."""
    done = subprocess.run(
        [sys.executable, "generate.py", "report", "--bucket-dir", str(bucket), "--json", *argv],
        env={**os.environ, "TZ": zone},
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/Adak"])
def test_days_are_utc_days_in_any_time_zone(pipeline, profiles, deliver_at, zone):
    """Kiritimati is 14 hours ahead of UTC, Adak 10 (9 in summer) behind: for most of any UTC
    day, one of them is on another date. The default window ends today in UTC, and a click is
    on its UTC day."""
    a, b, c = sorted(profiles)[:3]
    today = datetime.now(UTC).date()
    first = datetime.combine(today - timedelta(days=29), datetime.min.time(), UTC)
    deliver_at([Sent("u", a, first), Sent("u", b, first + timedelta(days=30) - timedelta(hours=1))])
    late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    deliver_at([Sent("u", c, late)])

    default = _report_in(zone, pipeline.bucket_dir)
    one_day = _report_in(
        zone, pipeline.bucket_dir, "--since", "2026-11-27", "--until", "2026-11-27"
    )

    default_views = {k: v["clicks"] for k, v in default["clicksByMysfit"].items()}
    assert default_views.get(a) == 1 and default_views.get(b) == 1
    assert {k: v["clicks"] for k, v in one_day["clicksByMysfit"].items()} == {c: 1}
    assert one_day["clicksByHour"] == {"23": 1}


@pytest.mark.parametrize(
    "inside", ["clicks", "clicks/year=2026", "clicks/year=2026/month=06/day=01", "errors"]
)
def test_a_folder_inside_a_bucket_is_one_line_naming_the_bucket(
    pipeline, profiles, deliver_at, capsys, inside
):
    # GIVEN a bucket holding a click, and its errors/ folder
    deliver_at([Sent("u", sorted(profiles)[0], datetime(2026, 6, 1, tzinfo=UTC))])
    (pipeline.bucket_dir / "errors" / "processing-failed").mkdir(parents=True, exist_ok=True)
    folder = pipeline.bucket_dir / inside
    assert folder.is_dir()

    # WHEN the report is given a folder inside it
    status, out, err = run_report(capsys, "--bucket-dir", str(folder), *YEAR_ARGS)

    # THEN it says which folder to give, and reports nothing
    assert status == 2
    assert out == ""
    assert err == (
        f"report: error: {folder} is a folder inside a bucket, not a bucket: give the folder "
        f"that holds clicks/ and errors/, --bucket-dir {pipeline.bucket_dir}\n"
    )


def test_a_bucket_folder_named_like_a_prefix_is_still_a_bucket(tmp_path, capsys):
    bucket = tmp_path / "clicks"
    (bucket / "clicks").mkdir(parents=True)

    status, _, err = run_report(capsys, "--bucket-dir", str(bucket), *YEAR_ARGS)

    assert status == 0, err
