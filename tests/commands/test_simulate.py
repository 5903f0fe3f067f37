"""`generate.py simulate` without a runner: its journeys, its refusals and its usage errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import pytest

from clickstream.commands.simulate import MAX_CLOCK_RATE, clock_rate
from clickstream.commands.simulate import main as simulate
from clickstream.commands.simulate import runner as runner_module
from clickstream.commands.simulate.accounts import password_claim, srp_timestamp
from clickstream.commands.simulate.model import journeys
from clickstream.local.cognito.srp import Challenge, SrpVerifier
from clickstream.standins.mysfits import CATALOG

ROOT = Path(__file__).resolve().parents[2]
IDS = [m["mysfitId"] for m in CATALOG]


# -- journeys ------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_journeys_ids_included():
    assert journeys(7, 200, IDS) == journeys(7, 200, IDS)


def test_another_seed_gives_other_journeys():
    first, second = journeys(7, 50, IDS), journeys(8, 50, IDS)

    assert {v.visitor_id for v in first}.isdisjoint({v.visitor_id for v in second})


def test_the_order_the_catalog_is_listed_in_does_not_change_the_journeys():
    assert journeys(7, 50, IDS) == journeys(7, 50, list(reversed(IDS)))


def test_journeys_hold_what_the_model_promises():
    visitors = journeys(3, 2000, IDS)
    people = [v for v in visitors if not v.bot]
    clicks = [c for v in visitors for c in v.clicks]

    # A share of crawlers, and of clicks sent twice.
    assert 0.03 < sum(v.bot for v in visitors) / len(visitors) < 0.09
    assert 0.02 < sum(c.sent_twice for c in clicks) / len(clicks) < 0.06
    # Every id is new, and each visitor's clicks are in time order.
    assert len({c.click_id for c in clicks}) == len(clicks)
    assert len({v.visitor_id for v in visitors}) == len(visitors)
    assert all([c.at for c in v.clicks] == sorted(c.at for c in v.clicks) for v in visitors)
    # Some visitors pause longer than the report's 30-minute session gap.
    long_pauses = [v for v in people if any(b.at - a.at > 30 * 60 for a, b in pairwise(v.clicks))]
    assert 0.1 < len(long_pauses) / len(people) < 0.3
    # Likes and adoptions only by signed-in users, after a view of the same mysfit.
    for visitor in people:
        viewed = set()
        for click in visitor.clicks:
            if click.event == "profile":
                viewed.add(click.mysfit_id)
            else:
                assert click.signed_in and click.mysfit_id in viewed
    # Some mysfits are far more popular than others (Zipf-like).
    views = Counter(c.mysfit_id for c in clicks if c.event == "profile")
    ranked = views.most_common()
    assert ranked[0][1] > 4 * ranked[-1][1]
    # Some people sign in midway: anonymous clicks, then signed-in ones, in one tab.
    assert any(v.clicks[0].signed_in is False and v.clicks[-1].signed_in for v in people)
    # Some users come back in another tab: one account, several visitors.
    accounts = Counter(v.account for v in people if v.account is not None)
    assert max(accounts.values()) > 1


@pytest.mark.parametrize(("visitors", "per_second"), [(500, 40.0), (5, 40.0), (2000, 400.0)])
def test_the_runner_clock_runs_no_faster_than_the_clicks_can_be_sent(visitors, per_second):
    planned = journeys(3, visitors, IDS)
    span = max(c.at for v in planned for c in v.clicks)
    requests = sum(len(v.clicks) + sum(c.sent_twice for c in v.clicks) for v in planned)

    rate = clock_rate(planned, per_second)

    assert 1 <= rate <= MAX_CLOCK_RATE
    assert span / rate >= requests / per_second  # the run lasts as long as its clicks need


def test_an_empty_catalog_is_refused():
    with pytest.raises(ValueError, match="no mysfits"):
        journeys(1, 5, [])


# -- SRP: the client's proof, checked by the stand-in's own server side ----------------------------


def test_the_password_claim_is_what_the_user_pool_checks():
    verifier = SrpVerifier.for_password("AbC123", "user-sub", "Correct-Horse-1!")
    small_a = 0x1234567890ABCDEF << 512
    challenge = Challenge.start("AbC123", "user-sub", verifier, pow(2, small_a, _N()), "s")
    block = "c2VjcmV0IGJsb2Nr"
    parameters = {
        "SRP_B": format(challenge.large_b, "x"),
        "SALT": format(verifier.salt, "x"),
        "SECRET_BLOCK": block,
    }
    stamp = "Sat Dec 5 06:51:59 UTC 2026"

    right = password_claim("AbC123", "user-sub", "Correct-Horse-1!", small_a, parameters, stamp)
    wrong = password_claim("AbC123", "user-sub", "Wrong-Horse-1!", small_a, parameters, stamp)

    assert right == challenge.expected_signature(block, stamp)
    assert wrong != challenge.expected_signature(block, stamp)


def _N() -> int:
    from clickstream.local.cognito.srp import N

    return N


def test_the_srp_timestamp_has_the_libraries_shape():
    from datetime import UTC, datetime

    assert srp_timestamp(datetime(2026, 12, 5, 6, 51, 59, tzinfo=UTC)) == (
        "Sat Dec 5 06:51:59 UTC 2026"
    )
    assert srp_timestamp(datetime(2026, 11, 24, 16, 0, 1, tzinfo=UTC)) == (
        "Tue Nov 24 16:00:01 UTC 2026"
    )


# -- refusing anything but the local runner -----------------------------------------------------


class Recording(BaseHTTPRequestHandler):
    """A server on 127.0.0.1 that records every request and answers ``answers[path]``."""

    answers: ClassVar[dict[str, tuple[int, bytes]]] = {}
    seen: ClassVar[list[str]] = []

    def _answer(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        status, body = self.answers.get(self.path, (404, b'{"message":"Not Found"}'))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_site():
    class Handler(Recording):
        answers: ClassVar[dict[str, tuple[int, bytes]]] = {}
        seen: ClassVar[list[str]] = []

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", Handler
    server.shutdown()
    server.server_close()


def description(site: str, **changes: object) -> bytes:
    port = int(site.rstrip("/").rsplit(":", 1)[1])
    value = {
        "runner": "clickstream.local",
        "site": site,
        "streamingApiEndpoint": f"http://127.0.0.1:{port}/prod",
        "mysfitsApiEndpoint": f"http://127.0.0.1:{port}",
        "cognitoEndpoint": f"http://127.0.0.1:{port}/",
        "cognitoRegion": "us-east-1",
        "cognitoUserPoolId": "us-east-1_AbC123",
        "cognitoUserPoolClientId": "client",
        "signedInClicks": True,
        "clicksPerSecond": 50,
        "bucketDir": "/tmp/bucket",
        **changes,
    }
    return json.dumps(value).encode()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = simulate(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_site_that_is_not_on_this_machine_is_refused_before_any_request(capsys, monkeypatch):
    def no_connection(*args, **kwargs):
        raise AssertionError("simulate connected to a host that is not this machine")

    monkeypatch.setattr(socket, "create_connection", no_connection)

    status, out, err = run(capsys, "--site", "http://192.0.2.10:8000/", "--visitors", "3")

    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "http://192.0.2.10:8000/ is not on this machine" in err
    assert "--runner-not-on-this-machine" in err


@pytest.mark.parametrize(
    "site",
    ["https://d111111abcdef8.cloudfront.net/", "http://10.0.0.5:8000/", "http://[2001:db8::1]/"],
)
def test_other_hosts_are_not_loopback(site):
    assert not runner_module.is_loopback(site)


@pytest.mark.parametrize(
    "site", ["http://127.0.0.1:8000/", "http://localhost:8000/", "http://[::1]:8000/"]
)
def test_loopback_hosts_are(site):
    assert runner_module.is_loopback(site)


def test_a_local_server_that_is_not_the_runner_gets_no_click(capsys, fake_site):
    site, handler = fake_site
    # Answers like a deployed site: pages and config.js, but no runner description.
    handler.answers["/config.js"] = (200, b"export default Object.freeze({});")

    status, out, err = run(capsys, "--site", site, "--visitors", "3", "--seed", "1")

    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"{site} does not answer like the local runner" in err
    assert handler.seen == ["GET /_local/runner.json"]


def test_a_description_that_is_not_json_is_not_the_runner(capsys, fake_site):
    site, handler = fake_site
    handler.answers["/_local/runner.json"] = (200, b"<html>not it</html>")

    status, _, err = run(capsys, "--site", site, "--visitors", "3")

    assert status == 2
    assert "does not answer like the local runner" in err
    assert handler.seen == ["GET /_local/runner.json"]


def test_a_runner_naming_a_deployed_clicks_api_is_refused(capsys, fake_site):
    site, handler = fake_site
    deployed = "https://abc123.execute-api.us-east-1.amazonaws.com/prod"
    handler.answers["/_local/runner.json"] = (
        200,
        description(site, streamingApiEndpoint=deployed),
    )

    status, out, err = run(capsys, "--site", site, "--visitors", "3")

    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"names a clicks API that is not on this machine ({deployed})" in err
    assert handler.seen == ["GET /_local/runner.json"]


def test_the_flag_lifts_the_loopback_rule_only(fake_site):
    site, handler = fake_site
    elsewhere = "http://10.0.0.5:8001/prod"
    handler.answers["/_local/runner.json"] = (
        200,
        description(site, streamingApiEndpoint=elsewhere),
    )

    found = runner_module.find_runner(site, any_address=True)

    assert found.clicks_api == elsewhere
    handler.answers["/_local/runner.json"] = (200, b'{"runner": "something else"}')
    with pytest.raises(runner_module.NotTheLocalRunner, match="does not answer like the local"):
        runner_module.find_runner(site, any_address=True)


def test_no_runner_says_how_to_start_one(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    status, _, err = run(capsys, "--site", f"http://127.0.0.1:{port}/")

    assert status == 2
    assert err.count("\n") == 1
    assert f"no local runner answers at http://127.0.0.1:{port}/" in err
    assert "make run" in err


# -- usage errors: one line, exit 2 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--visitors", "0"], "argument --visitors: 0 is not between 1 and 100,000"),
        (["--visitors", "many"], "argument --visitors: 'many' is not a whole number"),
        (["--seed", "-4"], "argument --seed: -4 is negative"),
        (["--seed", "x"], "argument --seed: 'x' is not a whole number"),
        (["--site", "ftp://127.0.0.1/"], "--site ftp://127.0.0.1/ is not an http:// URL"),
        (["--colour"], "unrecognized arguments: --colour"),
    ],
)
def test_bad_arguments_are_one_line(argv, message):
    result = subprocess.run(
        [sys.executable, "generate.py", "simulate", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_generate_lists_the_command():
    result = subprocess.run(
        [sys.executable, "generate.py", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert "simulate" in result.stdout
