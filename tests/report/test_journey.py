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


def test_json_and_table_show_the_new_questions(journey_bucket, capsys):
    assert main([*YEAR_ARGS, "--bucket-dir", str(journey_bucket), "--json"]) == 0
    keys = list(json.loads(capsys.readouterr().out))
    assert keys[:5] == ["totals", "funnelByMysfit", "beforeAdoption", "beforeLike", "sessions"]

    assert main([*YEAR_ARGS, "--bucket-dir", str(journey_bucket)]) == 0

    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["bot_events", "2"] in lines
    assert ["signed_in_users", "2"] in lines
    assert ["median_profiles_viewed", "2.00"] in lines
    assert ["median_minutes_from_first_view", "50.00"] in lines
    assert ["median_events_per_session", "1.50"] in lines
    assert ["bounce_rate", "0.38"] in lines  # 0.375, shown with two decimals
    assert ["mysfitid", "name", "viewers", "likers", "adopters"] in lines
