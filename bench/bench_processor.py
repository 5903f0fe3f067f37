"""Benchmark: the workshop's per-record processor against ours, on one local Mysfits API.

    .venv/bin/python bench/bench_processor.py [--records 10000] [--mysfits 12] [--latency 0.05]

Prints, in one run against the same 127.0.0.1 server (the shared Mysfits stand-in, with a fixed
latency per request):
- cold batch: the workshop's algorithm (run on a sample and projected linearly: it is strictly
  one sequential call per record) and ours with an empty cache, with the API calls each made;
- warm batch: ours with a warm cache (no API calls) against a bare decode/encode loop over the
  same records, as records per second; and ours on the batch with click ids never seen before,
  as every new click has (each clickKey is hashed, never cached), to show the same batch again
  gains nothing from having seen its click ids;
- flood: a batch whose clicks name `--unknown` distinct made-up ids besides the real mysfits
  (every tenth click real), twice: calls and time per batch, ours against the workshop's loop;
- peak Python memory of one invocation (tracemalloc) and the process's peak RSS.
`--check` exits 1 if a target is missed: ours cold < 1 s, warm within 2x of the bare loop, the
flood in at most 5 calls and the repeated flood in none.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import importlib
import json
import random
import resource
import sys
import threading
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseEvent
from aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event import (
    KinesisFirehoseDataTransformationResponse,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda"), str(Path(__file__).resolve().parent)]

from processor_harness import load_processor  # noqa: E402

from clickstream.standins.mysfits import Answer  # noqa: E402
from clickstream.standins.server import MysfitsServer  # noqa: E402

SPECIES = ["Chimera", "Cyclops", "Pegasus", "Minotaur", "Yeti", "Haetae", "Dragon", "Troll"]
ALIGNMENTS = ["Good", "Neutral", "Evil"], ["Lawful", "Neutral", "Chaotic"]


class MysfitsApi(MysfitsServer):
    """The Mysfits stand-in with a fixed latency per request, counting requests."""

    def __init__(self, catalog: list[dict[str, Any]], latency: float) -> None:
        super().__init__(catalog=catalog)
        self.latency, self.calls = latency, 0
        self.lock = threading.Lock()

    def answer(
        self, method: str, path: str, query: dict[str, str], authorization: str | None
    ) -> Answer:
        with self.lock:
            self.calls += 1
        time.sleep(self.latency)
        return super().answer(method, path, query, authorization)


class Context:
    function_name = "MysfitsClickProcessor"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:MysfitsClickProcessor"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def make_mysfits(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """A catalog of `count` mysfits in the stand-in's catalog shape."""
    return [
        {
            "mysfitId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "name": f"Mysfit {index}",
            "species": SPECIES[index % len(SPECIES)],
            "description": "A mysfit.",
            "age": index,
            "goodevil": ALIGNMENTS[0][index % 3],
            "lawchaos": ALIGNMENTS[1][index // 3 % 3],
            "likes": 0,
            "adopted": False,
        }
        for index in range(count)
    ]


def flood_ids(records: int, real: list[str], unknown: int, rng: random.Random) -> list[str]:
    """Every tenth click on a real mysfit, the others spread over `unknown` made-up ids."""
    made_up = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(unknown)]
    return [
        real[n // 10 % len(real)] if n % 10 == 0 else made_up[(n - n // 10 - 1) % unknown]
        for n in range(records)
    ]


# User agents as API Gateway passes them on: a few browsers, and crawlers and tools now and then.
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
)


def make_event(
    records: int, mysfit_ids: list[str], rng: random.Random, *, in_order: bool = False
) -> dict[str, Any]:
    """A Firehose batch of records as the clicks API's mapping templates write them: signed-in
    users' events and guests' profile views, each with its tab's visitor id, a click id, the
    time API Gateway received it and the user agent (form-URL-encoded, as $util.urlEncode does)."""
    visitors = [
        (
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            str(uuid.UUID(int=rng.getrandbits(128))),
        )
        for _ in range(records // 5 + 1)
    ]
    agents = [quote_plus(agent, safe="*") for agent in USER_AGENTS]
    start = 1764263941000

    def record(i: int) -> dict[str, Any]:
        visitor_id, sub = rng.choice(visitors)
        signed_in = rng.random() < 0.8
        event = (
            rng.choices(["profile", "like", "adopt"], [85, 12, 3])[0] if signed_in else "profile"
        )
        return {
            "event": event,
            "userId": sub if signed_in else "guest",
            "authenticated": signed_in,
            "visitorId": visitor_id,
            "clickId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "mysfitId": mysfit_ids[i] if in_order else rng.choice(mysfit_ids),
            "receivedAt": start + i * 6 - 25,
            "userAgent": rng.choice(agents),
        }

    return {
        "invocationId": "bench",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/Clicks",
        "region": "us-east-1",
        "records": [
            {
                "recordId": f"4954698668313554428650745793632162567570019247115678{i:010d}",
                "approximateArrivalTimestamp": start + i * 6,
                "data": base64.b64encode(
                    json.dumps(record(i), separators=(",", ":")).encode()
                ).decode(),
            }
            for i in range(records)
        ],
    }


def with_new_click_ids(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same batch, each record with a click id never seen before (as every new click has)."""
    records = []
    for record in event["records"]:
        click = json.loads(base64.b64decode(record["data"]))
        click["clickId"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        data = base64.b64encode(json.dumps(click, separators=(",", ":")).encode()).decode()
        records.append(dict(record, data=data))
    return dict(event, records=records)


def bare_loop(event: dict[str, Any]) -> dict[str, Any]:
    """Decode and re-encode every record, nothing else: the floor any processor stands on."""
    out = []
    for record in event["records"]:
        click = json.loads(base64.b64decode(record["data"]))
        data = base64.b64encode((json.dumps(click) + "\n").encode()).decode()
        out.append({"recordId": record["recordId"], "result": "Ok", "data": data})
    return {"records": out}


def powertools_shapes(event: dict[str, Any]) -> dict[str, Any]:
    """Only what Powertools' Firehose data classes add: wrap each record, build each response."""
    response = KinesisFirehoseDataTransformationResponse()
    for record in KinesisFirehoseEvent(event).records:
        response.add_record(record.build_data_transformation_response("Ok", record.data))
    return response.asdict()


def plain_shapes(event: dict[str, Any]) -> dict[str, Any]:
    """The same shapes from plain dicts."""
    return {
        "records": [
            {"recordId": r["recordId"], "result": "Ok", "data": r["data"]} for r in event["records"]
        ]
    }


def best_of(repeats: int, function, *args) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--mysfits", type=int, default=12)
    parser.add_argument("--latency", type=float, default=0.05, help="API latency, seconds")
    parser.add_argument(
        "--workshop-records", type=int, default=100, help="records the workshop loop runs"
    )
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--unknown", type=int, default=3000, help="distinct made-up ids in the flood batch"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    rng = random.Random(20261127)
    mysfits = make_mysfits(args.mysfits, rng)
    real_ids = sorted(m["mysfitId"] for m in mysfits)
    event = make_event(args.records, real_ids, rng)
    flood = make_event(
        args.records, flood_ids(args.records, real_ids, args.unknown, rng), rng, in_order=True
    )
    server = MysfitsApi(mysfits, args.latency).start()
    processor, quiet = load_processor(server.url)
    workshop = importlib.import_module("workshop_processor")
    context = Context()
    report = sys.stdout

    def ours(batch: dict[str, Any] = event) -> dict[str, Any]:
        with contextlib.redirect_stdout(quiet):
            return processor.handler(batch, context)

    def calls_and_seconds(function, *args) -> tuple[Any, int, float]:
        calls_before = server.calls
        started = time.perf_counter()
        result = function(*args)
        return result, server.calls - calls_before, time.perf_counter() - started

    def fresh_container() -> None:
        processor._resolver = processor._settings = None

    try:
        # Cold: the workshop loop on a sample, then ours on the whole batch with an empty cache.
        sample = dict(event, records=event["records"][: args.workshop_records])
        calls_before = server.calls
        with contextlib.redirect_stdout(quiet):
            workshop_seconds = best_of(1, workshop.processRecord, sample, context)
        workshop_calls = server.calls - calls_before
        workshop_projected = workshop_seconds * args.records / len(sample["records"])

        fresh_container()
        calls_before = server.calls
        started = time.perf_counter()
        response = ours()
        ours_cold = time.perf_counter() - started
        ours_calls = server.calls - calls_before
        assert all(r["result"] == "Ok" for r in response["records"]), "cold batch failed"

        # Warm: ours with the cache filled against the bare loop, interleaved, best of N; and ours
        # on the batch with new click ids, as every new batch has.
        calls_before = server.calls
        warm, bare, warm_new_ids = [], [], []
        for _ in range(args.repeats):
            warm.append(best_of(1, ours))
            bare.append(best_of(1, bare_loop, event))
            warm_new_ids.append(best_of(1, ours, with_new_click_ids(event, rng)))
        warm_calls = server.calls - calls_before
        ours_warm, bare_seconds, ours_new_ids = min(warm), min(bare), min(warm_new_ids)
        shapes_powertools = best_of(args.repeats, powertools_shapes, event)
        shapes_plain = best_of(args.repeats, plain_shapes, event)

        # Memory: one cold invocation under tracemalloc (slower, so timed separately above).
        fresh_container()
        tracemalloc.start()
        ours()
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        response_bytes = len(json.dumps(ours()))

        # Flood: made-up ids besides the real mysfits, ours cold then again with the same ids.
        fresh_container()
        flooded, flood_calls, flood_seconds = calls_and_seconds(ours, flood)
        _, again_calls, again_seconds = calls_and_seconds(ours, flood)
        real = set(real_ids)
        sent = [json.loads(base64.b64decode(r["data"]))["mysfitId"] for r in flood["records"]]
        flood_ok = [r["result"] == "Ok" for r in flooded["records"]] == [i in real for i in sent]
        # The workshop's loop on the same batch: the service's 500 page for the first made-up id
        # is not JSON, so the invocation raises and Firehose retries, then fails, the whole batch.
        flood_sample = dict(flood, records=flood["records"][: args.workshop_records])
        calls_before = server.calls
        started = time.perf_counter()
        crash = "none"
        with contextlib.redirect_stdout(quiet):
            try:
                workshop.processRecord(flood_sample, context)
            except Exception as error:
                crash = type(error).__name__
        workshop_flood_calls = server.calls - calls_before
        workshop_flood_seconds = time.perf_counter() - started
    finally:
        server.stop()

    n = args.records
    speedup = workshop_projected / ours_cold
    warm_ratio = ours_warm / bare_seconds
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"batch: {n} records, {args.mysfits} distinct mysfits, "
        f"API latency {args.latency * 1000:.0f} ms",
        "cold (empty cache):",
        f"  workshop  {workshop_seconds:8.3f} s for {len(sample['records'])} records, "
        f"{workshop_calls} API calls -> projected {workshop_projected:8.1f} s and {n} calls "
        f"for {n}",
        f"  ours      {ours_cold:8.3f} s for {n} records, {ours_calls} API calls",
        f"  speed-up  {speedup:8.0f}x (workshop projected / ours)",
        f"warm (cache filled, best of {args.repeats}):",
        f"  ours      {ours_warm * 1000:8.1f} ms  {n / ours_warm:10,.0f} records/s, "
        f"{warm_calls} API calls",
        f"  bare loop {bare_seconds * 1000:8.1f} ms  {n / bare_seconds:10,.0f} records/s",
        f"  ratio     {warm_ratio:8.2f}x (ours / bare loop time)",
        f"  ours, every click id new {ours_new_ids * 1000:.1f} ms, "
        f"{ours_new_ids / bare_seconds:.2f}x the bare loop (each clickKey hashed, as in "
        "production)",
        f"  Powertools Firehose data classes add {(shapes_powertools - shapes_plain) * 1000:.1f} ms"
        f" to the {ours_warm * 1000:.1f} ms (record wrappers and response records vs plain dicts)",
        f"memory: peak traced {peak_bytes / 2**20:.1f} MiB in one cold invocation; "
        f"process peak RSS {rss_mb:.0f} MiB",
        f"response: {response_bytes:,} bytes as JSON ({response_bytes / 2**20:.2f} MiB)",
    ]
    targets = {
        "ours cold < 1 s": ours_cold < 1.0,
        "warm within 2x of the bare loop": warm_ratio <= 2.0,
        "no API calls when warm": warm_calls == 0,
    }
    per_call = workshop_seconds / max(1, workshop_calls)
    lines += [
        f"flood: {n} records, {args.unknown} distinct made-up ids and {args.mysfits} real "
        f"mysfits (every tenth click)",
        f"  workshop  raised {crash} after {workshop_flood_calls} API calls "
        f"({workshop_flood_seconds:.3f} s): the whole batch fails; one call a record would "
        f"be {n} calls, projected {per_call * n:8.1f} s",
        f"  ours      {flood_seconds:8.3f} s, {flood_calls} API calls, "
        f"{sum(r['result'] == 'Ok' for r in flooded['records'])} real clicks enriched",
        f"  ours again {again_seconds:7.3f} s, {again_calls} API calls (same ids, warm)",
        f"  ratio     {n / max(1, flood_calls):8.0f}x fewer calls, "
        f"{per_call * n / flood_seconds:8.0f}x less time (workshop projected / ours)",
    ]
    targets["flood in at most 5 API calls"] = flood_calls <= 5
    targets["no API calls for the same flood again"] = again_calls == 0
    targets["every real click of the flood enriched"] = flood_ok
    lines += [f"target {name}: {'met' if ok else 'MISSED'}" for name, ok in targets.items()]
    print("\n".join(lines), file=report)
    return 1 if args.check and not all(targets.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
