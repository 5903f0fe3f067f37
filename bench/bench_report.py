"""Benchmark: the local report (DuckDB) against a plain Python pass over the same bucket.

    .venv/bin/python bench/bench_report.py [--clicks 300000] [--days 30] [--per-object 2000]

Writes a bucket in the delivery stream's layout (enriched lines, one object per batch of
``--per-object`` clicks, Hive day folders), then answers the questions over it twice in one
run: with ``ask_bucket`` (what ``python generate.py report --bucket-dir`` does, every question)
and with a reference that reads every line with ``json.loads`` and counts in dicts (totals and
the per-mysfit, alignment, hour and day questions; the lines are signed-out profile views
without visitorId or clickId). The answers the reference gives are compared; the times (best
of 3) and their ratio are printed. ``--check`` exits 1 if the two disagree or the report is
slower than the reference.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clickstream.commands.report.local import ask_bucket, click_files  # noqa: E402
from clickstream.commands.report.output import as_json  # noqa: E402
from clickstream.standins.mysfits import CATALOG as MYSFITS  # noqa: E402


def write_bucket(bucket: Path, clicks: int, days: int, per_object: int) -> None:
    rng = random.Random(13)
    mysfits = MYSFITS
    start = datetime(2026, 11, 1, tzinfo=UTC)
    moments = sorted(start + timedelta(seconds=rng.randrange(days * 86400)) for _ in range(clicks))
    for first in range(0, clicks, per_object):
        batch = moments[first : first + per_object]
        day = batch[0]
        folder = bucket / f"clicks/year={day:%Y}/month={day:%m}/day={day:%d}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = []
        for moment in batch:
            mysfit = rng.choice(mysfits)
            lines.append(
                json.dumps(
                    {
                        "userId": rng.choice(["guest"] * 5 + [f"user-{n}" for n in range(500)]),
                        "mysfitId": mysfit["mysfitId"],
                        "name": mysfit["name"],
                        "species": mysfit["species"],
                        "goodevil": mysfit["goodevil"],
                        "lawchaos": mysfit["lawchaos"],
                        "clickedAt": f"{moment:%Y-%m-%dT%H:%M:%S}.000Z",
                    },
                    separators=(",", ":"),
                )
            )
        name = f"stream-1-{day:%Y-%m-%d-%H-%M-%S}-{first:08d}"
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def reference(bucket: Path) -> dict:
    """The answers with the standard library: every line parsed, counted in dicts."""
    per_mysfit, alignment, hours, users = Counter(), Counter(), Counter(), set()
    per_day: dict[str, Counter] = {}
    names = {mysfit["mysfitId"]: mysfit["name"] for mysfit in MYSFITS}
    clicks = 0
    for path in click_files(bucket):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                click = json.loads(line)
                clicks += 1
                users.add(click["userId"])
                per_mysfit[click["mysfitId"]] += 1
                alignment[click["goodevil"], click["lawchaos"]] += 1
                at = datetime.strptime(click["clickedAt"], "%Y-%m-%dT%H:%M:%S.%f%z")
                hours[at.hour] += 1
                per_day.setdefault(at.date().isoformat(), Counter())[click["mysfitId"]] += 1
    top = {}
    for day, counts in sorted(per_day.items()):
        ranked = sorted(
            (1 + sum(other > count for other in counts.values()), mysfit, count)
            for mysfit, count in counts.items()
        )
        top[day] = [
            {"rank": r, "mysfitId": m, "name": names[m], "clicks": c}
            for r, m, c in ranked
            if r <= 3
        ]
    by_alignment: dict[str, dict[str, int]] = {}
    for (good_evil, law_chaos), count in alignment.items():
        by_alignment.setdefault(good_evil, {})[law_chaos] = count
    return {
        "totals": {
            "events": clicks,
            "profileViews": clicks,
            "likes": 0,
            "adoptions": 0,
            "visitors": len(users),
            "signedInUsers": 0,
            "botEvents": 0,
        },
        "clicksByMysfit": {
            mysfit: {"name": names[mysfit], "clicks": count}
            for mysfit, count in sorted(per_mysfit.items(), key=lambda kv: (-kv[1], kv[0]))
        },
        "clicksByAlignment": by_alignment,
        "clicksByHour": {f"{h:02d}": c for h, c in sorted(hours.items())},
        "topMysfitsByDay": top,
    }


def best_of(runs: int, work):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-object", type=int, default=2000)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        bucket = Path(scratch)
        write_bucket(bucket, args.clicks, args.days, args.per_object)
        objects = len(click_files(bucket))
        size = sum(path.stat().st_size for path in click_files(bucket))
        print(f"bucket: {args.clicks:,} clicks in {objects} objects, {size / 2**20:.1f} MiB")
        ours_time, ours = best_of(3, lambda: as_json(ask_bucket(bucket)))
        reference_time, expected = best_of(3, lambda: reference(bucket))
    same = {key: ours[key] for key in expected} == expected
    for label, seconds in (("report (DuckDB)", ours_time), ("reference (json)", reference_time)):
        print(f"  {label:<17} {seconds:7.3f} s  {args.clicks / seconds:12,.0f} clicks/s")
    print(f"  speed-up          {reference_time / ours_time:7.2f}x (reference / report)")
    print(f"  answers agree     {same}")
    if args.check and (not same or ours_time > reference_time):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
