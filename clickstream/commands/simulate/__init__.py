"""``python generate.py simulate``: made-up visitors for the local runner, so the report has
something to show.

It finds the running local runner by its site (``--site``, ``http://127.0.0.1:8000/`` by
default), reads the Mysfits catalog from its Mysfits API, plans ``--visitors`` journeys from
``--seed`` (``model.py``; docs/simulated-visitors.md states the model) and sends them through
the runner's clicks API as the page sends its clicks: anonymous visitors to ``PUT /clicks``,
signed-in ones, with an ID token from the local user pool, to ``PUT /clicks/signed-in``. It
refuses anything that is not the local runner (``runner.py``), before sending a single click.

Exit status: 0 every click was accepted; 1 some were dropped (the summary says why); 2 what to
fix, in one line (no runner, not the local runner, bad arguments).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from clickstream import contract
from clickstream.cli import URL, CommandError, OneLineParser

from .accounts import Accounts
from .model import Visitor, journeys
from .runner import OVERRIDE_FLAG, LocalRunner, find_runner, reset_clock, set_clock
from .sending import RATE_SHARE, Pace, ProgressBar, Sender, Tally, Timeline
from .wire import http_request

DEFAULT_SITE = "http://127.0.0.1:8000/"
# The runner's clock runs at most this many times as fast during a run (one second of the run,
# ten minutes of the visitors'), so that a click a few milliseconds late is seconds late.
MAX_CLOCK_RATE = 600.0
# How much longer than the clicks need at the paced rate the run is given.
SLACK = 1.25
# Without a throttling rate to pace by: how many clicks a second the run plans for.
UNPACED_CLICKS_PER_SECOND = 200.0
DEFAULT_VISITORS = 200
MAX_VISITORS = 100_000


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_VISITORS:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {MAX_VISITORS:,}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    return value


def argument_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="generate.py simulate",
        description=(
            "Send made-up visitors through the running local runner's clicks API, as the site's "
            "page sends clicks: anonymous and signed-in people, crawlers, and clicks sent twice. "
            "Refuses anything but the local runner."
        ),
        epilog="exit status: 0 every click accepted; 1 some dropped; 2 what to fix, in one line",
    )
    parser.add_argument(
        "--site",
        default=DEFAULT_SITE,
        metavar=URL,
        help=f"the local runner's site, as its banner prints it (default: {DEFAULT_SITE})",
    )
    parser.add_argument(
        "--visitors",
        type=_count,
        default=DEFAULT_VISITORS,
        metavar="N",
        help=f"how many visitors (browser tabs) to send (default: {DEFAULT_VISITORS})",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        metavar="S",
        help="the same seed sends the same journeys, ids included (default: a new one, printed)",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument(
        OVERRIDE_FLAG,
        dest="any_address",
        action="store_true",
        help="accept a runner whose site is not on 127.0.0.1/localhost (a forwarded port); "
        "it must still be the local runner",
    )
    return parser


def catalog(runner: LocalRunner) -> list[str]:
    """The mysfits' ids, as the page lists them: GET /mysfits on the runner's Mysfits API."""
    url = runner.mysfits_api + "/mysfits"
    try:
        status, _, body = http_request("GET", url)
        mysfits = json.loads(body)["mysfits"] if status == 200 else None
        ids = [str(m["mysfitId"]) for m in mysfits] if isinstance(mysfits, list) else []
    except (OSError, ValueError, KeyError, TypeError):
        ids = []
    if not ids:
        raise CommandError(f"the runner's Mysfits API lists no mysfits (GET {url})")
    return ids


def clock_rate(visitors: list[Visitor], clicks_per_second: float) -> float:
    """How many times as fast as the wall clock the runner's clock runs for these journeys: as
    fast as the clicks can be sent at ``clicks_per_second``, and no faster than MAX_CLOCK_RATE."""
    span = max((c.at for v in visitors for c in v.clicks), default=0.0)
    requests = sum(len(v.clicks) + sum(c.sent_twice for c in v.clicks) for v in visitors)
    needed = SLACK * requests / clicks_per_second
    return max(1.0, min(MAX_CLOCK_RATE, span / max(needed, 1.0)))


def expected_totals(tally: Tally) -> dict[str, int]:
    """What the report's ``totals`` gain from these clicks: each click once, bots apart."""
    return {
        "events": sum(tally.people.values()),
        "profileViews": tally.people[contract.PROFILE],
        "likes": tally.people[contract.LIKE],
        "adoptions": tally.people[contract.ADOPT],
        "visitors": len(tally.visitors),
        "signedInUsers": len(tally.users),
        "botEvents": sum(tally.bots.values()),
    }


def summary(
    args: argparse.Namespace,
    runner: LocalRunner,
    tally: Tally,
    seconds: float,
    dated: tuple[datetime, datetime, float],
) -> dict[str, Any]:
    first, last, rate = dated
    return {
        "seed": args.seed,
        "visitors": args.visitors,
        "seconds": round(seconds, 1),
        "from": first.strftime("%Y-%m-%dT%H:%MZ"),
        "until": last.strftime("%Y-%m-%dT%H:%MZ"),
        "clockRate": round(rate, 1),
        "clicksApi": runner.clicks_api,
        "bucketDir": runner.bucket_dir,
        "totals": expected_totals(tally),
        "bots": {"visitors": len(tally.bot_visitors), "events": sum(tally.bots.values())},
        "sentTwice": tally.sent_twice,
        "retried": tally.retried,
        "dropped": len(tally.dropped),
    }


def as_text(report: dict[str, Any], tally: Tally) -> str:
    totals = report["totals"]
    rows = [
        ("", "profile views", "likes", "adoptions", "visitors", "signed-in users"),
        (
            "people",
            totals["profileViews"],
            totals["likes"],
            totals["adoptions"],
            totals["visitors"],
            totals["signedInUsers"],
        ),
        ("bots", totals["botEvents"], 0, 0, report["bots"]["visitors"], 0),
    ]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    table = "".join(
        "  "
        + f"{row[0]!s:<{widths[0]}}"
        + "".join(f"  {row[i]!s:>{widths[i]}}" for i in range(1, len(row)))
        + "\n"
        for row in rows
    )
    lines = [
        f"simulate: {report['visitors']} visitors (--seed {report['seed']}) through "
        f"{report['clicksApi']} in {report['seconds']:g} s, dated {report['from']} to "
        f"{report['until']} (the runner's clock ran {report['clockRate']:g}x as fast); "
        "the runner accepted:",
        table.rstrip("\n"),
        f"  sent twice (same clickId, counted once): {report['sentTwice']}; "
        f"retried after a 429 or no answer: {report['retried']}; dropped: {report['dropped']}",
        "The report counts the people's clicks and leaves the bots' out (bot events). They reach "
        "the bucket once the delivery stream's buffers flush (about 13 s with make run); then:",
        f"  .venv/bin/python generate.py report --bucket-dir {report['bucketDir']}",
    ]
    for reason in sorted(set(tally.dropped))[:3]:
        lines.append(f"  dropped: {reason}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.seed is None:
        args.seed = secrets.randbelow(2**31)
    started = time.monotonic()
    try:
        runner = find_runner(args.site, any_address=args.any_address)
        planned = journeys(args.seed, args.visitors, catalog(runner))
        per_second = (runner.clicks_per_second or 0) * RATE_SHARE
        rate = clock_rate(planned, per_second or UNPACED_CLICKS_PER_SECOND)
        sender = Sender(
            runner,
            Accounts(runner, args.seed),
            pace=Pace(per_second or None),
            progress=ProgressBar(args.visitors),
        )
        # The journeys end now: the runner's clock starts as far back as they last, and runs
        # `rate` times as fast while they are sent, stamping each click as it arrives.
        span = max(c.at for v in planned for c in v.clicks)
        first = datetime.now(UTC) - timedelta(seconds=span)
        set_clock(runner, int(first.timestamp() * 1000), rate)
        try:
            tally = sender.send(planned, Timeline(time.monotonic(), rate))
        finally:
            reset_clock(runner)
    except CommandError as error:
        print("simulate: error: " + " ".join(str(error).split()), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nsimulate: stopped; the runner has its wall clock back", file=sys.stderr)
        return 130
    dated = (first, first + timedelta(seconds=span), rate)
    report = summary(args, runner, tally, time.monotonic() - started, dated)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        sys.stdout.write(as_text(report, tally))
    return 1 if tally.dropped else 0
