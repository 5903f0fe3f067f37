"""``generate.py local`` (or ``python -m clickstream.local``): serve the click-streaming stack on
this machine.

Only the standard library is imported before the arguments are read: the services need the
packages of ``requirements-test.txt``, and without them the command says so in one line.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import queue
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from clickstream.cli import DIR, FILE, URL, OneLineParser, missing_package
from clickstream.http.servers import PortInUseError, printable

from .already_running import runner_holding
from .cloudformation import LocalRunnerError, TemplateError

if TYPE_CHECKING:
    from .firehose import LocalDeliveryStream

PROG = "python -m clickstream.local"
REPOSITORY = Path(__file__).resolve().parents[2]
GENERATED_DIR = REPOSITORY / "templates"
REQUIREMENTS = "-r requirements-test.txt"
DEFAULT_WEB_PORT = 8000
PORT_FLAGS = ("--web-port", "--api-port", "--mysfits-port", "--firehose-port", "--cognito-port")


def argument_parser(prog: str = PROG) -> OneLineParser:
    parser = OneLineParser(
        prog=prog,
        description=(
            "Serve the click-streaming stack from its template on 127.0.0.1: the site, the "
            "clicks API, the delivery stream with its processor, and a Mysfits API."
        ),
    )
    parser.add_argument(
        "--template",
        type=Path,
        default=GENERATED_DIR / "clickstream.json",
        metavar=FILE,
        help="CloudFormation template to serve (default: templates/clickstream.json)",
    )
    parser.add_argument(
        "--bucket-dir",
        type=Path,
        default=Path("local-bucket"),
        metavar=DIR,
        help="folder standing in for the clicks bucket (default: local-bucket/)",
    )
    parser.add_argument("--mysfits-api", metavar=URL, help="use this Mysfits API instead")
    parser.add_argument(
        "--interval-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply the processor's buffer interval (0.1: 60 s becomes 6 s)",
    )
    parser.add_argument(
        "--web-port", type=int, default=DEFAULT_WEB_PORT, metavar="N", help="default 8000"
    )
    parser.add_argument("--api-port", type=int, default=8001, metavar="N", help="default 8001")
    parser.add_argument("--mysfits-port", type=int, default=8002, metavar="N", help="default 8002")
    parser.add_argument(
        "--firehose-port", type=int, default=8003, metavar="N", help="Firehose API, default 8003"
    )
    parser.add_argument(
        "--cognito-port", type=int, default=8004, metavar="N", help="Cognito stand-in, default 8004"
    )
    parser.add_argument(
        "--web-dir",
        type=Path,
        default=REPOSITORY / "web",
        metavar=DIR,
        help="the site (default: web/)",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a template parameter (repeatable), e.g. AllowedOrigin=http://127.0.0.1:8000",
    )
    parser.add_argument("--verbose", action="store_true", help="also show the processor's logs")
    return parser


def parse_args(argv: list[str] | None, prog: str = PROG) -> argparse.Namespace:
    parser = argument_parser(prog)
    args = parser.parse_args(argv)
    if args.interval_scale <= 0:
        parser.error("--interval-scale must be positive")
    for item in args.parameter:
        if "=" not in item:
            parser.error(f"--parameter {item!r} is not NAME=VALUE")
    return args


def check_current(template: Path, generated_dir: Path = GENERATED_DIR) -> None:
    """Refuse a generated template that differs from what ``clickstream`` generates now.

    Only templates in ``generated_dir`` are checked; any other path is the user's own copy.
    """
    if template.resolve().parent != generated_dir.resolve() or not template.is_file():
        return
    try:
        from clickstream.template import render
    except ImportError:
        return
    expected = render().get(template.name)
    if expected is not None and template.read_text(encoding="utf-8") != expected:
        raise TemplateError(
            f"template {template} is stale (the code generates something else); "
            "regenerate it with: python generate.py"
        )


def _explain(error: LocalRunnerError, args: argparse.Namespace) -> str:
    """The error; for a taken port, whether a local runner holds it, and the flags (and the make
    variable) that pick other ports."""
    if not isinstance(error, PortInUseError) or error.role is None:
        return str(error)
    port = getattr(args, f"{error.role}_port", 0)
    site = runner_holding("127.0.0.1", port, (args.web_port, DEFAULT_WEB_PORT)) if port else None
    if site is not None:
        flags = " ".join(f"{flag} N" for flag in PORT_FLAGS)
        return (
            f"{error.problem}: a local runner is probably already running on port {site} "
            f"(http://127.0.0.1:{site}/); stop it, or pick other ports with {flags}"
        )
    flag = f"--{error.role}-port"
    return (
        f"{error.problem}; pick another with {flag} N "
        f'(make run RUN_ARGS="{flag} N") or stop what is using it'
    )


def _this_python() -> str:
    """This interpreter as a command to type here: relative when under the working folder
    (``.venv/bin/python``), else its whole path."""
    executable = Path(sys.executable)
    try:
        return str(executable.relative_to(Path.cwd()))
    except ValueError:
        return str(executable)


def _objects(stream: LocalDeliveryStream) -> str:
    if stream.destination_size_bytes is None:
        return ""
    return (
        f", an object every {stream.destination_interval_seconds or 0:g} s or "
        f"{stream.destination_size_bytes / 2**20:g} MB"
    )


class _PrintableFormatter(logging.Formatter):
    """Lines safe for a terminal: what a request or a click carries cannot send it escapes."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), keep="\n")


def _log_to_stderr() -> logging.handlers.QueueListener:
    """One log line per request, written by one thread: a request thread only queues its line
    (a write of its own would hand the GIL to another thread and wait to get it back)."""
    lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    writer = logging.StreamHandler(sys.stderr)
    writer.setFormatter(_PrintableFormatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(logging.handlers.QueueHandler(lines))
    listener = logging.handlers.QueueListener(lines, writer)
    listener.start()
    return listener


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    args = parse_args(argv, prog)
    try:
        from .pipeline import LocalPipeline
    except ModuleNotFoundError as error:
        line = missing_package(error, prog, REQUIREMENTS)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2
    log_writer = _log_to_stderr()
    logging.getLogger("clickstream.local.lambda").setLevel(
        logging.DEBUG if args.verbose else logging.WARNING
    )
    pipeline = LocalPipeline(
        args.template,
        args.bucket_dir,
        mysfits_api_url=args.mysfits_api,
        web_dir=args.web_dir,
        interval_scale=args.interval_scale,
        api_port=args.api_port,
        mysfits_port=args.mysfits_port,
        web_port=args.web_port,
        firehose_port=args.firehose_port,
        cognito_port=args.cognito_port,
        parameters=dict(item.split("=", 1) for item in args.parameter),
    )
    try:
        check_current(args.template)
        pipeline.start()
    except LocalRunnerError as error:
        log_writer.stop()
        print(f"{prog}: error: {' '.join(_explain(error, args).split())}", file=sys.stderr)
        return 2

    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stream, cognito = pipeline.stream, pipeline.cognito
    assert stream is not None and cognito is not None
    bucket = args.bucket_dir
    print(
        f"Mysfits click stream, served from {args.template}\n"
        f"  site             {pipeline.web_url}\n"
        f"  clicks API       {pipeline.api_url}   (PUT {pipeline.api_url}/clicks)\n"
        f"  Mysfits API      {pipeline.mysfits_api_url}   (like and adopt: Cognito ID token)\n"
        f"  Firehose API     {pipeline.firehose_url}   ({_this_python()} generate.py replay "
        f"--endpoint-url {pipeline.firehose_url} --bucket-dir {bucket})\n"
        f"  Cognito          {cognito.url}/   user pool {cognito.user_pool_id}, "
        f"app client {cognito.client_id} (confirmation codes are logged here)\n"
        f"  DynamoDB         {pipeline.aws_endpoint_url}   (the processor's fallback table; "
        "AWS SDK calls only, no browser)\n"
        f"  delivery stream  {stream.name}: a batch every "
        f"{stream.buffer_interval_seconds:g} s or {stream.buffer_size_bytes / 2**20:g} MB"
        f"{_objects(stream)}\n"
        f"  clicks land in   {bucket / stream.prefix.split('!{')[0]}…   "
        f"failures in {bucket / stream.error_prefix.split('!{')[0]}…\n"
        "Ctrl-C to stop (buffered clicks are delivered first).",
        flush=True,
    )
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        print("stopping: delivering buffered clicks…", file=sys.stderr, flush=True)
        pipeline.stop()
        log_writer.stop()
        delivered = sum(batch.delivered for batch in stream.batches)
        failed = sum(batch.failed for batch in stream.batches)
        print(f"stopped: {delivered} clicks delivered, {failed} failed, under {bucket}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
