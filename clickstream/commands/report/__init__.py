"""``python generate.py report``: the site owner's questions, over a local bucket or on Athena.

``--bucket-dir DIR`` answers them with DuckDB over the local runner's bucket; ``--stack-name``
runs the stack's named queries on Athena. Both run the SQL in ``clickstream/queries/`` over
one window of UTC days (``--since``, ``--until``; the last 30 by default), given to each question
as parameters, so that each reads only those days' partitions. The answers are printed as
tables (in words, mysfits by name), or as one JSON object (``--json``, ids kept); ``--chart``
draws three of them, and ``--html`` writes that same JSON object as a page (``page.py``).

Exit status: 0 with a report (an existing bucket with no clicks yet gives the honest report of
none, and says so on stderr); 2 with one line for what to fix (no such bucket, a stack without
the workgroup, a failed query, a missing package).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from clickstream import defaults
from clickstream.cli import (
    DIR,
    FILE,
    CommandError,
    OneLineParser,
    add_days,
    add_region,
    add_stack_name,
)
from clickstream.commands.report.answers import REQUIREMENTS, ReportError
from clickstream.commands.report.athena import DEFAULT_TIMEOUT_SECONDS, ask_athena
from clickstream.commands.report.errors import kept_in_bucket_dir, kept_on_s3
from clickstream.commands.report.local import ask_bucket
from clickstream.commands.report.output import CHART_SUFFIXES, as_json, as_table, write_chart
from clickstream.commands.report.page import About, write_page
from clickstream.defaults import DEFAULT_REPORT_DAYS
from clickstream.queries import Window


def window_of(since: date | None, until: date | None, today: date) -> Window:
    """--since and --until, the days left out filled in: until today (UTC), since 30 days
    before until."""
    until = until or today
    return Window(since or until - timedelta(days=DEFAULT_REPORT_DAYS - 1), until)


def argument_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="generate.py report",
        description=(
            "Events, visitors and sessions, what visitors viewed before adopting, the funnel "
            "from view to adoption per mysfit, profile views per mysfit, alignment, hour and "
            "day: over a local bucket (DuckDB) or on Athena. "
            f"Needs: {REQUIREMENTS}"
        ),
        epilog="exit status: 0 a report (of no clicks, for a bucket with none yet); "
        "2 what to fix, in one line",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--bucket-dir",
        type=Path,
        metavar=DIR,
        help="the local runner's bucket folder (generate.py local writes local-bucket/)",
    )
    add_stack_name(source)
    add_region(parser)
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"how long to wait for Athena (default: {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    add_days(
        parser,
        "to count",
        since_default=f"{DEFAULT_REPORT_DAYS - 1} days before --until",
        until_default="today, in UTC",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.add_argument(
        "--chart",
        type=Path,
        metavar=FILE,
        help="also draw views per mysfit, the funnel per mysfit and views per hour: "
        "FILE.svg or FILE.png",
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar=FILE,
        help="also write the answers as one self-contained page (no script, nothing loaded "
        "from anywhere) with charts and their numbers",
    )
    return parser


# The folders at a bucket's top: the delivery prefix's, the error prefix's, Athena's results.
_TOP_FOLDERS = frozenset(
    prefix.split("/", 1)[0]
    for prefix in (defaults.CLICKS_PREFIX, defaults.ERROR_PREFIX, defaults.QUERY_RESULTS_PREFIX)
)
_CLICKS = defaults.CLICKS_PREFIX.split("/", 1)[0]
_ERRORS = defaults.ERROR_PREFIX.split("/", 1)[0]


def bucket_holding(folder: Path) -> Path | None:
    """The bucket ``folder`` lies inside (``local-bucket`` for ``local-bucket/clicks`` or
    ``local-bucket/clicks/year=2026``), or None when it is no bucket's folder. A folder that holds
    ``clicks/`` itself is a bucket, whatever it is called."""
    if (folder / _CLICKS).is_dir():
        return None
    for inner in (folder, *folder.parents):
        if inner.name in _TOP_FOLDERS:
            return inner.parent
        # Inside a bucket: a partition (year=2026), or an error type and its reason under errors/.
        if "=" not in inner.name and _ERRORS not in (inner.parent.name, inner.parent.parent.name):
            return None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.region and not args.stack_name:
        parser.error("--region goes with --stack-name")
    if args.chart and args.chart.suffix.lower() not in CHART_SUFFIXES:
        parser.error(f"--chart must name a {' or '.join(CHART_SUFFIXES)} file, not {args.chart}")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    now = datetime.now(UTC)
    window = window_of(args.since, args.until, now.date())
    if window.since > window.until:
        parser.error(f"--since {window.since} is after --until {window.until}")
    try:
        if args.bucket_dir is not None:
            if not args.bucket_dir.is_dir():
                raise ReportError(
                    f"no bucket at {args.bucket_dir} (start the runner first: make run, or "
                    "generate.py local; or give the --bucket-dir it writes)"
                )
            inside = bucket_holding(args.bucket_dir)
            if inside is not None:
                raise ReportError(
                    f"{args.bucket_dir} is a folder inside a bucket, not a bucket: give the "
                    f"folder that holds clicks/ and errors/, --bucket-dir {inside}"
                )
            answers = ask_bucket(args.bucket_dir, window)
            kept = kept_in_bucket_dir(args.bucket_dir)
            source = ("the local bucket", str(args.bucket_dir))
        else:
            answers, scanned = ask_athena(
                args.stack_name, window, region=args.region, timeout=args.timeout
            )
            print(f"report: Athena scanned {scanned:,} bytes", file=sys.stderr)
            kept = kept_on_s3(args.stack_name, region=args.region)
            source = ("the named queries on Athena of stack", args.stack_name)
        report = as_json(answers)
        for path, write in (
            (args.chart, lambda path: write_chart(answers, path)),
            (args.html, lambda path: write_page(report, About(window, now, *source, kept), path)),
        ):
            if path is None:
                continue
            try:
                write(path)
            except OSError as error:
                reason = error.strerror or str(error)
                raise ReportError(f"cannot write {path}: {reason}") from error
    except CommandError as error:
        print("report: error: " + " ".join(str(error).split()), file=sys.stderr)
        return 2
    totals = report["totals"]
    if args.bucket_dir is not None and not totals["events"] + totals["botEvents"]:
        print(f"report: no clicks under {args.bucket_dir} from {window}", file=sys.stderr)
    if kept.line():
        print(kept.line(), file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        sys.stdout.write(as_table(answers))
    for path in (args.chart, args.html):
        if path is not None:
            print(f"report: wrote {path}", file=sys.stderr)
    return 0
