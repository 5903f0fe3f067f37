"""Long user agents against the processor: alone, and through the local runner.

    .venv/bin/python bench/bench_user_agents.py                # both
    .venv/bin/python bench/bench_user_agents.py --no-runner    # the processor alone

Anyone can send `PUT /clicks` with any `User-Agent`; the processor judges it by CrawlerDetect's
patterns, one of which (`[a-z0-9\\-_]*(bot|crawl|…)`) costs time quadratic in a run of letters
and digits. Each worst agent here is such a run (`aaa…aN`), and each differs from the others in
its first character, so no cache answers it twice. Printed:

- the patterns' cost for one worst agent at several lengths (CrawlerDetect alone, best of 3);
- the processor alone (`processor.handler`, catalog cached): a batch of six clicks with
  9,000-character worst agents; and a full processor buffer (`PROCESSOR_BUFFER_MB`) of clicks
  whose worst agents are as long as `MAX_USER_AGENT_LENGTH`, each distinct;
- through the local runner (`python -m clickstream.local`): six `PUT /clicks` with 9,000-character
  worst agents, then SIGTERM, which delivers the buffer at once; the processor's own `durationMs`
  for that batch, and the time from SIGTERM to the runner's exit, against the same six clicks
  with a browser's user agent.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import importlib
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "lambda"), str(Path(__file__).resolve().parent)]

from processor_harness import load_processor  # noqa: E402

from clickstream.defaults import PROCESSOR_BUFFER_MB  # noqa: E402
from clickstream.standins.mysfits import CATALOG  # noqa: E402
from clickstream.standins.server import MysfitsServer  # noqa: E402

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def worst_agent(length: int, index: int) -> str:
    """A run of letters ending in a capital: the most the quadratic pattern can be made to do.
    `index` picks the first characters, so agents of one batch differ and no cache helps."""
    head = LETTERS[index % 26] + LETTERS[index // 26 % 26] + LETTERS[index // 676 % 26]
    return (head + "a" * length)[: length - 1] + "N"


class Context:
    function_name = "MysfitsClickProcessor"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:MysfitsClickProcessor"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def event_of(agents: list[str], mysfit_id: str) -> dict[str, Any]:
    start = 1764263941000
    records = []
    for i, agent in enumerate(agents):
        click = {
            "event": "profile",
            "userId": "guest",
            "authenticated": False,
            "mysfitId": mysfit_id,
            "receivedAt": start + i,
            "userAgent": quote_plus(agent, safe="*"),
        }
        records.append(
            {
                "recordId": f"4954698668313554428650745793632162567570019247115678{i:010d}",
                "approximateArrivalTimestamp": start + i,
                "data": base64.b64encode(json.dumps(click).encode()).decode(),
            }
        )
    return {
        "invocationId": "bench",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/Clicks",
        "region": "us-east-1",
        "records": records,
    }


def patterns_alone(lengths: list[int]) -> list[str]:
    from crawlerdetect import CrawlerDetect

    detector = CrawlerDetect()
    detector.is_crawler(BROWSER)  # compiles the patterns
    lines = ["CrawlerDetect alone, one worst agent (best of 3):"]
    for length in lengths:
        best = min(_seconds(detector._check_crawler, worst_agent(length, n)) for n in range(1, 4))
        lines.append(f"  {length:6,} characters  {best * 1000:9.1f} ms")
    return lines


def _seconds(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def processor_alone() -> list[str]:
    server = MysfitsServer(catalog=CATALOG).start()
    processor, quiet = load_processor(server.url)
    agents = importlib.import_module("click_enrichment.agents")
    cap = getattr(agents, "MAX_USER_AGENT_LENGTH", None)
    mysfit_id = CATALOG[0]["mysfitId"]
    context = Context()

    def run(event: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
        with contextlib.redirect_stdout(quiet):
            started = time.perf_counter()
            response = processor.handler(event, context)
            return time.perf_counter() - started, response["records"]

    try:
        run(event_of([BROWSER], mysfit_id))  # the catalog cached, the patterns compiled
        six, six_records = run(event_of([worst_agent(9000, n) for n in range(1, 7)], mysfit_id))
        length = cap or 512
        one = len(json.dumps(event_of([worst_agent(length, 1)], mysfit_id)["records"][0]))
        count = int(float(PROCESSOR_BUFFER_MB) * 1024 * 1024 // one)
        full, full_records = run(
            event_of([worst_agent(length, n) for n in range(1, count + 1)], mysfit_id)
        )
    finally:
        server.stop()
    bots = sum(json.loads(base64.b64decode(r["data"]))["bot"] for r in six_records)
    return [
        f"processor alone (catalog cached; cap: {cap or 'none'}):",
        f"  6 clicks, 9,000-character worst agents     {six:8.3f} s  ({bots} of 6 judged bots)",
        f"  full {PROCESSOR_BUFFER_MB} MB buffer: {count} clicks, {length}-character worst agents "
        f"{full:8.3f} s  ({sum(r['result'] == 'Ok' for r in full_records)} Ok)",
    ]


def start_runner(bucket: Path, log: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "clickstream.local", "--bucket-dir", str(bucket),
         "--api-port", "0", "--mysfits-port", "0", "--web-port", "0", "--firehose-port", "0",
         "--cognito-port", "0", "--interval-scale", "10", "--verbose"],
        stdout=subprocess.PIPE, stderr=log.open("w"), text=True, cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip().startswith("clicks API"):
            url = next(w for w in line.split() if w.startswith("http://"))
        if "Ctrl-C" in line:
            return process, url
    raise SystemExit(f"the runner did not start; see {log}")


def through_runner(agents: list[str]) -> tuple[float, float]:
    """The processor's durationMs for the six clicks' batch, and SIGTERM to exit, seconds."""
    with tempfile.TemporaryDirectory(prefix="bench-user-agents-") as folder:
        log = Path(folder) / "runner.log"
        runner, url = start_runner(Path(folder) / "bucket", log)
        try:
            parts = urlsplit(url)
            for agent in agents:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                body = json.dumps({"userId": "guest", "mysfitId": CATALOG[0]["mysfitId"]})
                connection.request(
                    "PUT",
                    f"{parts.path}/clicks",
                    body,
                    {"Content-Type": "application/json", "User-Agent": agent},
                )
                assert connection.getresponse().status == 200
                connection.close()
        finally:
            started = time.perf_counter()
            runner.send_signal(signal.SIGTERM)
            runner.wait(600)
            stop = time.perf_counter() - started
        text = log.read_text()
    durations = [float(d) for d in re.findall(r'"durationMs":\s*([0-9.]+)', text)]
    if not re.search(r"batch of 6\b", text) or not durations:
        raise SystemExit("the runner did not process the six clicks in one batch")
    return max(durations) / 1000, stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-runner", action="store_true", help="the processor alone only")
    args = parser.parse_args(argv)
    lines = patterns_alone([256, 512, 1000, 4000, 9000])
    lines += processor_alone()
    if not args.no_runner:
        worst = through_runner([worst_agent(9000, n) for n in range(1, 7)])
        browser = through_runner([BROWSER] * 6)
        lines += [
            "local runner, six PUT /clicks, then SIGTERM:",
            f"  9,000-character worst agents  processor {worst[0]:8.3f} s   "
            f"SIGTERM to exit {worst[1]:6.2f} s",
            f"  a browser's agent             processor {browser[0]:8.3f} s   "
            f"SIGTERM to exit {browser[1]:6.2f} s",
        ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
