"""Firehose S3 prefixes: ``!{timestamp:…}`` and ``!{firehose:…}`` expressions, and object names.

From the Firehose developer guide, "Custom prefixes for Amazon S3 objects": timestamps are Java
``DateTimeFormatter`` patterns evaluated in UTC at the arrival time of the oldest record in the
batch; a ``Prefix`` without a timestamp expression gets ``yyyy/MM/dd/HH/`` appended; the error
prefix defaults to ``processing-failed/`` (the error output type) with the same time folders.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from datetime import UTC, datetime

from ..cloudformation import TemplateError

__all__ = ["error_key", "evaluate_prefix", "java_date_format", "object_name", "output_key"]

_EXPRESSION = re.compile(r"!\{([^}:]+):([^}]*)\}")
_DEFAULT_TIME_FOLDERS = "yyyy/MM/dd/HH/"

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _field(letter: str, width: int, moment: datetime) -> str:
    if letter in "yu":
        return f"{moment.year % 100:02d}" if width == 2 else f"{moment.year:0{width}d}"
    if letter in "ML":
        if width == 3:
            return _MONTHS[moment.month - 1][:3]
        if width >= 4:
            return _MONTHS[moment.month - 1]
        return f"{moment.month:0{width}d}"
    if letter == "E":
        name = _DAYS[moment.weekday()]
        return name if width >= 4 else name[:3]
    numbers = {
        "d": moment.day,
        "D": moment.timetuple().tm_yday,
        "H": moment.hour,
        "k": moment.hour or 24,
        "K": moment.hour % 12,
        "h": moment.hour % 12 or 12,
        "m": moment.minute,
        "s": moment.second,
    }
    if letter in numbers:
        return f"{numbers[letter]:0{width}d}"
    if letter == "S":
        return f"{moment.microsecond:06d}"[:width].ljust(width, "0")
    if letter == "a":
        return "AM" if moment.hour < 12 else "PM"
    raise TemplateError(f"date pattern letter {letter!r} is not supported locally")


def java_date_format(pattern: str, moment: datetime) -> str:
    """Format ``moment`` (UTC) with a Java ``DateTimeFormatter`` pattern such as ``yyyy/MM/dd``."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = pattern.find("'", i + 1)
            if end == -1:
                raise TemplateError(f"unterminated quote in date pattern {pattern!r}")
            out.append(pattern[i + 1 : end] if end > i + 1 else "'")
            i = end + 1
        elif char in string.ascii_letters:
            width = 1
            while i + width < len(pattern) and pattern[i + width] == char:
                width += 1
            out.append(_field(char, width, moment))
            i += width
        else:
            out.append(char)
            i += 1
    return "".join(out)


def evaluate_prefix(prefix: str, moment: datetime, *, error_output_type: str | None = None) -> str:
    """A prefix with its expressions evaluated; the time folders appended if it has none."""

    def replace(match: re.Match[str]) -> str:
        namespace, argument = match.group(1).strip(), match.group(2).strip()
        if namespace == "timestamp":
            return java_date_format(argument, moment)
        if namespace == "firehose" and argument == "random-string":
            alphabet = string.ascii_letters + string.digits
            return "".join(secrets.choice(alphabet) for _ in range(11))
        if namespace == "firehose" and argument == "error-output-type":
            if error_output_type is None:
                raise TemplateError(
                    "!{firehose:error-output-type} is only valid in the error prefix"
                )
            return error_output_type
        raise TemplateError(
            f"prefix expression !{{{namespace}:{argument}}} is not supported locally"
        )

    evaluated = _EXPRESSION.sub(replace, prefix)
    if not any(m.group(1).strip() == "timestamp" for m in _EXPRESSION.finditer(prefix)):
        evaluated += java_date_format(_DEFAULT_TIME_FOLDERS, moment)
    return evaluated


def object_name(stream_name: str, moment: datetime, *, version: int = 1) -> str:
    """``<StreamName>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid>``, as Firehose names objects."""
    return f"{stream_name}-{version}-{moment:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}"


def output_key(prefix: str, stream_name: str, moment: datetime) -> str:
    """The S3 key of a delivered object."""
    return evaluate_prefix(prefix, moment) + object_name(stream_name, moment)


def error_key(error_prefix: str, stream_name: str, moment: datetime, error_output_type: str) -> str:
    """The S3 key of an object of failed records (default prefix: the error output type)."""
    prefix = error_prefix or "!{firehose:error-output-type}/"
    return evaluate_prefix(prefix, moment, error_output_type=error_output_type) + object_name(
        stream_name, moment
    )


def utc_from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)
