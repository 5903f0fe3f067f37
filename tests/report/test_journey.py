"""The questions over the visitors of ``journey.py``, sent through the pipeline's processor,
against the answers worked out by hand there (``journey.expected``)."""

from __future__ import annotations

import json

import pytest

from clickstream.commands.report import main
from clickstream.commands.report.local import ask_bucket
from clickstream.commands.report.output import as_json

from .conftest import YEAR, YEAR_ARGS
from .journey import expected


@pytest.fixture
def report(journey_bucket):
    return as_json(ask_bucket(journey_bucket, YEAR))


def test_the_new_questions(report, mysfit_ids):
    want = expected(mysfit_ids)
    for key in ("totals", "funnelByMysfit", "beforeAdoption", "beforeLike", "sessions"):
        assert report[key] == want[key], key
    # Most viewed first
    assert list(report["funnelByMysfit"]) == list(want["funnelByMysfit"])


def test_before_each_like_gives_the_answers_worked_out_by_hand(report, mysfit_ids):
    assert report["beforeLike"] == {
        "likes": 3,
        "medianProfilesViewed": 1.0,
        "medianDistinctMysfitsViewed": 1.0,
        "medianMinutesFromFirstView": 123.0,
        "likedWithoutViewing": 1,
    }
    assert report["beforeLike"] == expected(mysfit_ids)["beforeLike"]


def test_the_existing_questions_count_profile_views_by_people(report, mysfit_ids):
    want = expected(mysfit_ids)
    for key in ("clicksByMysfit", "clicksByAlignment", "clicksByHour", "topMysfitsByDay"):
        assert report[key] == want[key], key
    assert list(report["clicksByMysfit"]) == list(want["clicksByMysfit"])
    assert report == want  # and nothing else


def test_json_and_table_show_the_new_questions(journey_bucket, mysfit_ids, capsys):
    assert main([*YEAR_ARGS, "--bucket-dir", str(journey_bucket), "--json"]) == 0
    keys = list(json.loads(capsys.readouterr().out))
    assert keys[:5] == ["totals", "funnelByMysfit", "beforeAdoption", "beforeLike", "sessions"]

    assert main([*YEAR_ARGS, "--bucket-dir", str(journey_bucket)]) == 0

    out = capsys.readouterr().out
    lines = [line.strip() for line in out.splitlines()]
    # Labels in words, each figure after two spaces or more.
    figures = dict(line.rsplit(None, 1) for line in lines if "  " in line)
    assert figures["Bot events (left out)"] == "2"
    assert figures["Signed-in users"] == "2"
    assert figures["Liked without a view before"] == "1"
    assert figures["Median events per session"] == "1.50"
    assert figures["Bounce rate"] == "37.5%"  # 3 of 8 sessions
    assert [line.split("  ")[0] for line in lines if line.startswith("Median profiles")] == [
        "Median profiles viewed"
    ] * 2
    medians = [line.split()[-1] for line in lines if line.startswith("Median minutes from")]
    assert medians == ["50.00", "123.00"]  # before an adoption, then before a like
    assert ["Mysfit", "Viewers", "Likers", "Adopters"] in [line.split() for line in lines]
    assert [line.split() for line in lines if line.startswith("Pauly")] == [
        ["Pauly", "2", "2", "1"],  # the funnel
        ["Pauly", "Cyclops", "4"],  # profile views
    ]
    # Names, never ids; the ids stay in --json.
    assert all(mysfit_id not in out for mysfit_id in mysfit_ids.values())
    assert "profile_views" not in out and "bot_events" not in out
