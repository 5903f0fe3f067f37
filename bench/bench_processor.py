"""Benchmark: the workshop's per-record processor against ours, on one local Mysfits API.

    .venv/bin/python bench/bench_processor.py [--records 10000] [--mysfits 12] [--latency 0.05]

Prints, in one run against the same 127.0.0.1 server:
- cold batch: the workshop's algorithm (run on a sample and projected linearly: it is strictly
  one sequential call per record) and ours with an empty cache, with the API calls each made;
- warm batch: ours with a warm cache (no API calls) against a bare decode/encode loop over the
  same records, as records per second;
- peak Python memory of one invocation (tracemalloc) and the process's peak RSS.
`--check` exits 1 if a target is missed: ours cold < 1 s, warm within 2x of the bare loop.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import importlib
import io
import json
import os
import random
import resource
import sys
import threading
import time
import tracemalloc
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseEvent
from aws_lambda_powertools.utilities.data_classes.kinesis_firehose_event import (
    KinesisFirehoseDataTransformationResponse,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "lambda"), str(Path(__file__).resolve().parent)]

SPECIES = ["Chimera", "Cyclops", "Pegasus", "Minotaur", "Yeti", "Haetae", "Dragon", "Troll"]
ALIGNMENTS = ["Good", "Neutral", "Evil"], ["Lawful", "Neutral", "Chaotic"]


class MysfitsApi(ThreadingHTTPServer):
    """`GET /mysfits/{id}` with a fixed latency, counting requests."""

    daemon_threads = True
    request_queue_size = 128  # the default 5 drops concurrent connects, costing a 1 s SYN retry

    def __init__(self, mysfits: dict[str, bytes], latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mysfits, self.latency, self.calls = mysfits, latency, 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: MysfitsApi

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.calls += 1
        time.sleep(self.server.latency)
        body = self.server.mysfits.get(self.path.rsplit("/", 1)[-1])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"{}")))
        self.end_headers()
        self.wfile.write(body or b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


class Context:
    function_name = "MysfitsClickProcessor"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:MysfitsClickProcessor"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def make_mysfits(count: int, rng: random.Random) -> dict[str, bytes]:
    mysfits = {}
    for index in range(count):
        mysfit_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        mysfits[mysfit_id] = json.dumps(
            {
                "mysfitId": mysfit_id,
                "name": f"Mysfit {index}",
                "species": SPECIES[index % len(SPECIES)],
                "description": "A mysfit.",
                "age": index,
                "goodevil": ALIGNMENTS[0][index % 3],
                "lawchaos": ALIGNMENTS[1][index // 3 % 3],
                "thumbImageUri": "https://example.com/t.png",
                "profileImageUri": "https://example.com/p.png",
                "likes": 0,
                "adopted": False,
            }
        ).encode()
    return mysfits


def make_event(records: int, mysfit_ids: list[str], rng: random.Random) -> dict[str, Any]:
    users = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(records // 5 + 1)]
    start = 1764263941000
    return {
        "invocationId": "bench",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/Clicks",
        "region": "us-east-1",
        "records": [
            {
                "recordId": f"4954698668313554428650745793632162567570019247115678{i:010d}",
                "approximateArrivalTimestamp": start + i * 6,
                "data": base64.b64encode(
                    json.dumps(
                        {"userId": rng.choice(users), "mysfitId": rng.choice(mysfit_ids)}
                    ).encode()
                ).decode(),
            }
            for i in range(records)
        ],
    }


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
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    rng = random.Random(20261127)
    mysfits = make_mysfits(args.mysfits, rng)
    event = make_event(args.records, sorted(mysfits), rng)
    server = MysfitsApi(mysfits, args.latency)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    os.environ.update(
        MYSFITS_API_URL=server.url,
        POWERTOOLS_SERVICE_NAME="clickstream-processor",
        POWERTOOLS_METRICS_NAMESPACE="MysfitsClickStream",
    )
    quiet = io.StringIO()
    processor = importlib.import_module("processor")
    processor.logger.registered_handler.setStream(quiet)
    workshop = importlib.import_module("workshop_processor")
    context = Context()
    report = sys.stdout

    def ours() -> dict[str, Any]:
        with contextlib.redirect_stdout(quiet):
            return processor.handler(event, context)

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

        # Warm: ours with the cache filled against the bare loop, interleaved, best of N.
        calls_before = server.calls
        warm, bare = [], []
        for _ in range(args.repeats):
            warm.append(best_of(1, ours))
            bare.append(best_of(1, bare_loop, event))
        warm_calls = server.calls - calls_before
        ours_warm, bare_seconds = min(warm), min(bare)
        shapes_powertools = best_of(args.repeats, powertools_shapes, event)
        shapes_plain = best_of(args.repeats, plain_shapes, event)

        # Memory: one cold invocation under tracemalloc (slower, so timed separately above).
        fresh_container()
        tracemalloc.start()
        ours()
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        response_bytes = len(json.dumps(ours()))
    finally:
        server.shutdown()
        server.server_close()

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
    lines += [f"target {name}: {'met' if ok else 'MISSED'}" for name, ok in targets.items()]
    print("\n".join(lines), file=report)
    return 1 if args.check and not all(targets.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
