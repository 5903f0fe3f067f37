"""The local Lambda runtime's worker process: one "container" running one handler.

Started by :mod:`clickstream.local.awslambda.function` as
``python _worker.py CODE_DIR MODULE.FUNCTION``.
It reads one invocation per line on stdin and writes one JSON answer per line on the stdout it was
started with; what the handler prints goes to stderr, as a Lambda function's output goes to its
log, and the end of each invocation's log comes back with its answer too (as Lambda's Invoke
returns it with ``LogType=Tail``), so the caller can read what the function said about it.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any, TextIO

# Lambda's limit on a synchronous invocation's response (the runtime refuses a larger one).
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
# How much of the end of an invocation's log comes back with its answer.
LOG_TAIL_CHARACTERS = 64 * 1024


class InvocationLog:
    """The function's output stream: written through to ``out`` (the log), and the end of what
    one invocation wrote kept for its answer."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._kept: list[str] = []
        self._size = 0

    def write(self, text: str) -> int:
        self._out.write(text)
        self._kept.append(text)
        self._size += len(text)
        if self._size > 2 * LOG_TAIL_CHARACTERS:
            self._kept = [self.take()]
            self._size = len(self._kept[0])
        return len(text)

    def flush(self) -> None:
        self._out.flush()

    def take(self) -> str:
        """The end of what was written since the last take, and forget it."""
        text = "".join(self._kept)[-LOG_TAIL_CHARACTERS:]
        self._kept, self._size = [], 0
        return text

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


class LambdaContext:
    """The attributes and method of the Python runtime's context object."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = request["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = request["invoked_function_arn"]
        self.memory_limit_in_mb = int(request["memory_limit_in_mb"])
        self.aws_request_id = request["aws_request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = request.get("log_stream_name", "local")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + request["timeout_ms"] / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorType": error_type or type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error),
    }


def _answer(result: Any, log: str) -> str:
    """The result as the runtime sends it back, or the error Lambda gives instead; ``log``: the
    end of the invocation's log."""
    try:
        payload = json.dumps(result)
    except (TypeError, ValueError) as error:
        return json.dumps({"error": _error(error, "Runtime.MarshalError")})
    size = len(payload.encode("utf-8"))
    if size > MAX_RESPONSE_BYTES:
        message = (
            f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
            f"({MAX_RESPONSE_BYTES} bytes)."
        )
        return json.dumps(
            {"error": {"errorType": "Function.ResponseSizeTooLarge", "errorMessage": message}}
        )
    return '{"log": ' + json.dumps(log) + ', "result": ' + payload + "}"


def main() -> int:
    code_dir, handler_name = sys.argv[1], sys.argv[2]
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    log = InvocationLog(sys.stderr)
    sys.stdout = sys.stderr = log  # type: ignore[assignment]
    # Started as a script: replace its own folder with the function's code, as LAMBDA_TASK_ROOT.
    sys.path[0] = code_dir
    module_name, _, function_name = handler_name.rpartition(".")
    handler = None
    init_error: dict[str, Any] | None = None
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as error:
        init_error = _error(error, "Runtime.ImportModuleError")
    for line in sys.stdin:
        request = json.loads(line)
        log.take()
        if init_error is not None:
            text = json.dumps({"error": init_error})
        else:
            try:
                result = handler(request["event"], LambdaContext(request))
            except Exception as error:
                text = json.dumps({"error": _error(error)})
            else:
                log.flush()
                text = _answer(result, log.take())
        answers.write(text + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
