"""The local clicks API under keep-alive load, against a do-nothing HTTP server in the same run.

    python bench/bench_local_api.py            # 16 keep-alive clients, 5 s each, then a burst
    python bench/bench_local_api.py --check    # exit 1 if a target is missed

The runner (``python -m clickstream.local``) and the reference server each run in their own
process; the same client threads drive both. The stage's throttling is raised through template
parameters, as a deployment would raise it. At the end the runner is stopped with SIGTERM and
every click it answered 200 must be in its bucket.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REPOSITORY = Path(__file__).resolve().parents[1]
# Targets on the 2-core development machine.
TARGET_CLICKS_PER_SECOND = 1500
TARGET_P99_MS = 25.0


class _Nothing(BaseHTTPRequestHandler):
    """Reads the request and answers 200 ``{}``: the floor any Python HTTP server stands on."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        )

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_nothing() -> None:
    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024

    server = Server(("127.0.0.1", 0), _Nothing)
    print(f"http://127.0.0.1:{server.server_address[1]}/prod", flush=True)
    server.serve_forever()


def mysfit_ids(mysfits_api: str) -> list[str]:
    """The catalog's ids, as the runner's Mysfits API lists them."""
    parts = urlsplit(mysfits_api)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", f"{parts.path}/mysfits")
    ids = [m["mysfitId"] for m in json.loads(connection.getresponse().read())["mysfits"]]
    connection.close()
    return ids


def start_runner(bucket: Path, log: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "clickstream.local", "--bucket-dir", str(bucket),
         "--api-port", "0", "--mysfits-port", "0", "--web-port", "0", "--interval-scale", "0.05",
         "--parameter", "ThrottlingRateLimit=10000", "--parameter", "ThrottlingBurstLimit=5000"],
        stdout=subprocess.PIPE, stderr=log.open("w"), text=True, cwd=REPOSITORY,
    )  # fmt: skip
    urls = {}
    for line in process.stdout:
        for label in ("clicks API", "Mysfits API"):
            if line.strip().startswith(label):
                urls[label] = next(w for w in line.split() if w.startswith("http://"))
        if "Ctrl-C" in line:
            return process, urls
    raise SystemExit(f"the runner did not start; see {log}")


def start_reference() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-nothing"], stdout=subprocess.PIPE, text=True
    )
    return process, process.stdout.readline().strip()


def drive(
    url: str, ids: list[str], clients: int, seconds: float, tag: str
) -> tuple[list[float], list[str], int]:
    """``clients`` keep-alive connections sending clicks for ``seconds``.

    Latencies (s) of 200 answers, user ids answered 200, and the count of other outcomes.
    """
    parts = urlsplit(url)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    answered: list[list[str]] = [[] for _ in range(clients)]
    failures = [0] * clients
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        start.wait()
        n = 0
        while time.monotonic() < stop_at[0]:
            user_id = f"{tag}{index}-{n}"
            body = json.dumps({"userId": user_id, "mysfitId": ids[n % len(ids)]})
            began = time.perf_counter()
            try:
                connection.request(
                    "PUT", f"{parts.path}/clicks", body, {"Content-Type": "application/json"}
                )
                answer = connection.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException):
                failures[index] += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            elapsed = time.perf_counter() - began
            if answer.status == 200:
                latencies[index].append(elapsed)
                answered[index].append(user_id)
            else:
                failures[index] += 1
            n += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return (
        [x for per in latencies for x in per],
        [u for per in answered for u in per],
        sum(failures),
    )


def burst(url: str, mysfit_id: str, clients: int, rounds: int, tag: str) -> tuple[int, int]:
    """``clients`` new connections at once, one click each, ``rounds`` times: (200s, failures)."""
    parts = urlsplit(url)
    ok, failed = [0], [0]
    lock = threading.Lock()

    def one(index: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        body = json.dumps({"userId": f"{tag}{index}", "mysfitId": mysfit_id})
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            connection.request(
                "PUT", f"{parts.path}/clicks", body, {"Content-Type": "application/json"}
            )
            status = connection.getresponse().status
            connection.close()
        except (OSError, http.client.HTTPException):
            status = 0
        with lock:
            if status == 200:
                ok[0] += 1
            else:
                failed[0] += 1

    for round_ in range(rounds):
        barrier = threading.Barrier(clients)
        threads = [
            threading.Thread(target=one, args=(round_ * clients + i, barrier))
            for i in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return ok[0], failed[0]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of one process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def stored_user_ids(bucket: Path) -> set[str]:
    found = set()
    for path in (p for p in bucket.rglob("*") if p.is_file()):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if "rawData" in record:
                record = json.loads(base64.b64decode(record["rawData"]))
            found.add(record["userId"])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--burst", type=int, default=64, help="clients connecting at once")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--serve-nothing", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_nothing:
        serve_nothing()
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-local-api-") as folder:
        bucket = Path(folder) / "bucket"
        runner, urls = start_runner(bucket, Path(folder) / "runner.log")
        api_url, ids = urls["clicks API"], mysfit_ids(urls["Mysfits API"])
        reference, reference_url = start_reference()
        try:
            drive(
                api_url, ids, args.clients, 1.0, "warm"
            )  # the processor's worker, caches, JIT-free
            results, cpu = {}, {}
            for name, url, process in (
                ("reference", reference_url, reference),
                ("local API", api_url, runner),
            ):
                before = cpu_seconds(process.pid)
                results[name] = drive(url, ids, args.clients, args.seconds, name[0])
                cpu[name] = cpu_seconds(process.pid) - before
            burst_ok, burst_failed = burst(api_url, ids[0], args.burst, 5, "burst")
        finally:
            reference.terminate()
            reference.wait()
            runner.send_signal(signal.SIGTERM)
            runner.wait(120)
        stored = stored_user_ids(bucket)

    print(f"{args.clients} keep-alive clients, {args.seconds:g} s each, on 127.0.0.1")
    rates = {}
    per_click = {}
    for name, (latencies, _answered, failures) in results.items():
        rates[name] = len(latencies) / args.seconds
        per_click[name] = cpu[name] / max(1, len(latencies)) * 1e6
        p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
        print(
            f"  {name:10} {rates[name]:7,.0f} clicks/s   p50 {p50:5.1f} ms   p99 {p99:5.1f} ms   "
            f"server CPU {per_click[name]:4.0f} us/click   other answers/errors {failures}"
        )
    ours = results["local API"]
    p99 = percentile(ours[0], 0.99) * 1000
    print(
        f"  ratio      {rates['local API'] / rates['reference']:.2f} of the do-nothing server's "
        f"rate, {per_click['local API'] / per_click['reference']:.1f}x its CPU per click"
    )
    print(
        f"burst: {args.burst} clients connecting at once x 5: "
        f"{burst_ok} answered 200, {burst_failed} failed"
    )
    acknowledged = set(ours[1])
    lost = acknowledged - stored
    kept = len(acknowledged & stored)
    print(f"after SIGTERM: {kept} of {len(acknowledged)} acknowledged clicks in the bucket")

    missed = []
    if rates["local API"] < TARGET_CLICKS_PER_SECOND:
        missed.append(f"throughput under {TARGET_CLICKS_PER_SECOND}/s")
    if p99 >= TARGET_P99_MS:
        missed.append(f"p99 not under {TARGET_P99_MS:g} ms")
    if burst_failed:
        missed.append("connections failed in the burst")
    if lost:
        missed.append(f"{len(lost)} acknowledged clicks lost")
    if missed:
        print("missed: " + "; ".join(missed))
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
