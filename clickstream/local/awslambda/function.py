"""A Lambda function from the template, run locally in its own worker process.

The worker is the function's "container": started on the first invocation with the function's
environment variables, reused while it stays healthy, and replaced after a timeout or a crash.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FunctionError", "LocalFunction"]

log = logging.getLogger("clickstream.local.lambda")

_WORKER = Path(__file__).with_name("_worker.py")
# Variables passed through from this machine; everything else comes from the template.
_PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")


class FunctionError(Exception):
    """The invocation failed: the handler raised, timed out, or the worker died."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message


@dataclass
class LocalFunction:
    """One ``AWS::Lambda::Function``: handler ``module.function`` in ``code_dir``.

    ``environment`` is the function's ``Environment.Variables``; ``aws_environment`` adds the
    variables the Lambda runtime itself sets (region, dummy credentials, endpoints).
    """

    name: str
    arn: str
    handler: str
    code_dir: Path
    timeout_seconds: float = 3.0
    memory_mb: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    aws_environment: dict[str, str] = field(default_factory=dict)
    python: str = sys.executable

    def __post_init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self.invocations = 0

    def handler_file(self) -> Path:
        module = self.handler.rpartition(".")[0]
        return self.code_dir / (module.replace(".", "/") + ".py")

    def _env(self) -> dict[str, str]:
        env = {key: os.environ[key] for key in _PASSED_THROUGH if key in os.environ}
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": self.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.name}",
                "LAMBDA_TASK_ROOT": str(self.code_dir),
                "_HANDLER": self.handler,
                "TZ": ":UTC",
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost",
            }
        )
        env.update(self.aws_environment)
        env.update({key: str(value) for key, value in self.environment.items()})
        return env

    def _start(self) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [self.python, "-X", "utf8", str(_WORKER), str(self.code_dir), self.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=self._env(),
            cwd=str(self.code_dir),
        )
        threading.Thread(
            target=self._forward_logs, args=(process,), name=f"{self.name}-logs", daemon=True
        ).start()
        return process

    def _forward_logs(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.debug("%s | %s", self.name, line.rstrip("\n"))

    def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler on ``event``; its result, or :class:`FunctionError`."""
        return self.invoke_with_log(event)[0]

    def invoke_with_log(self, event: dict[str, Any]) -> tuple[Any, str]:
        """Run the handler on ``event``; its result and the end of the invocation's log (as
        Invoke's ``LogType=Tail`` gives it), or :class:`FunctionError`."""
        with self._lock:
            self.invocations += 1
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()
            process = self._process
            request = {
                "event": event,
                "function_name": self.name,
                "invoked_function_arn": self.arn,
                "memory_limit_in_mb": self.memory_mb,
                "aws_request_id": str(uuid.uuid4()),
                "timeout_ms": int(self.timeout_seconds * 1000),
            }
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
            except OSError as error:
                self._kill()
                raise FunctionError("Runtime.ExitError", f"worker is gone ({error})") from None
            line = self._read_line(process, time.monotonic() + self.timeout_seconds)
            if line is None:
                self._kill()
                raise FunctionError(
                    "Sandbox.Timedout",
                    f"Task timed out after {self.timeout_seconds:.2f} seconds",
                )
            if not line:
                code = process.wait()
                self._process = None
                raise FunctionError("Runtime.ExitError", f"worker exited with status {code}")
        answer = json.loads(line)
        if "error" in answer:
            error = answer["error"]
            raise FunctionError(error.get("errorType", "Error"), error.get("errorMessage", ""))
        return answer["result"], answer.get("log", "")

    @staticmethod
    def _read_line(process: subprocess.Popen[str], deadline: float) -> str | None:
        """The next answer line, '' at end of file, None at the deadline."""
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                if selector.select(remaining):
                    return process.stdout.readline()

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def close(self) -> None:
        """Stop the worker (end of its stdin, then kill if it lingers)."""
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        try:
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
