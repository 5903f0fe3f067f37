"""Pure functions: decode a Firehose record into a click, render an enriched click."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import time
from typing import Any, NamedTuple

from . import contract
from .agents import is_encoded_bot
from .keys import fingerprint, key
from .profiles import MysfitProfile

# The click API's model allows these characters; the processor percent-encodes the id into the
# API path, and refuses ids made only of dots, which would name another path ("/mysfits/..").
_MYSFIT_ID = re.compile(r"[A-Za-z0-9@._+:-]{1,128}")
# The model's optional clickId and visitorId: a canonical lowercase UUID, as crypto.randomUUID()
# makes.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The visitorId the anonymous method writes when the body has none: API Gateway's extended request
# id (base64, `IJgFdG6KoAMFW0A=`). The model lets a body's visitorId be a UUID only.
_EDGE_VISITOR_ID = re.compile(r"[A-Za-z0-9+/]{8,64}={0,2}")
_MAX_USER_ID_LENGTH = 256
# C0 controls (newline, tab, NUL…), DEL and C1 controls: never part of an id.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_decode_json = json.JSONDecoder().decode
_encode_json = json.JSONEncoder(separators=(",", ":")).encode
# 9999-12-31T23:59:59.999Z: the last instant ISO-8601 writes with four year digits.
_MAX_ARRIVAL_MILLIS = 253_402_300_799_999
# API Gateway stamps receivedAt before Firehose stamps the arrival; their clocks may differ.
_CLOCK_SKEW_MILLIS = 300_000
_BOOLEAN = {True: "true", False: "false"}


# Why a record is not a click, as logged and counted.
INVALID_BASE64 = "invalid_base64"
INVALID_JSON = "invalid_json"
NOT_AN_OBJECT = "not_an_object"
INVALID_EVENT = "invalid_event"
INVALID_USER_ID = "invalid_user_id"
INVALID_AUTHENTICATED = "invalid_authenticated"
INVALID_VISITOR_ID = "invalid_visitor_id"
INVALID_MYSFIT_ID = "invalid_mysfit_id"
INVALID_CLICK_ID = "invalid_click_id"
INVALID_RECEIVED_AT = "invalid_received_at"
INVALID_ARRIVAL_TIMESTAMP = "invalid_arrival_timestamp"
INVALID_USER_AGENT = "invalid_user_agent"
INVALID_REASONS = (
    INVALID_BASE64,
    INVALID_JSON,
    NOT_AN_OBJECT,
    INVALID_EVENT,
    INVALID_USER_ID,
    INVALID_AUTHENTICATED,
    INVALID_VISITOR_ID,
    INVALID_MYSFIT_ID,
    INVALID_CLICK_ID,
    INVALID_RECEIVED_AT,
    INVALID_USER_AGENT,
    INVALID_ARRIVAL_TIMESTAMP,
)
_EVENTS = frozenset(contract.EVENTS)
# The Mysfits API answered, and has no such mysfit.
UNKNOWN_MYSFIT = "unknown_mysfit"
# The visitor's input: the same click fails the same way every time it is sent again, and no
# operator can fix it (the alarm does not count these; replay sets them apart).
VISITOR_REASONS = (*INVALID_REASONS, UNKNOWN_MYSFIT)


class Click(NamedTuple):
    event: str
    user_id: str
    authenticated: bool
    mysfit_id: str
    clicked_at: str
    bot: bool
    visitor_id: str | None = None
    click_id: str | None = None


class InvalidRecord(ValueError):
    """The record cannot become a click; `reason` names why, in snake_case."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_click(data: Any, arrival_millis: Any) -> Click:
    """A click from a record's base64 `data` and `approximateArrivalTimestamp`.

    The record is the contract's RECORD_FIELDS, as the API's mapping templates write it. The click
    is dated by `receivedAt`, the time API Gateway received the request, which a replayed record
    keeps; a record without one (written before the API sent it) is dated by its arrival in
    Firehose. `userAgent` becomes `bot` and is never passed on.
    """
    try:
        raw = binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, TypeError, ValueError):
        raise InvalidRecord(INVALID_BASE64) from None
    try:
        click = _decode_json(raw.decode())
    # JSONDecodeError and UnicodeDecodeError are ValueErrors; deep nesting is a RecursionError.
    except (ValueError, RecursionError):
        raise InvalidRecord(INVALID_JSON) from None
    if not isinstance(click, dict):
        raise InvalidRecord(NOT_AN_OBJECT)
    event = click.get("event", contract.DEFAULT_EVENT)
    if not isinstance(event, str) or event not in _EVENTS:
        raise InvalidRecord(INVALID_EVENT)
    user_id = click.get("userId")
    if (
        not isinstance(user_id, str)
        or not user_id
        or user_id.isspace()
        or len(user_id) > _MAX_USER_ID_LENGTH
        or _CONTROL.search(user_id)
    ):
        raise InvalidRecord(INVALID_USER_ID)
    authenticated = click.get("authenticated", False)
    if type(authenticated) is not bool:
        raise InvalidRecord(INVALID_AUTHENTICATED)
    visitor_id = click.get("visitorId")
    if "visitorId" in click and not (
        isinstance(visitor_id, str)
        and (_UUID.fullmatch(visitor_id) or _EDGE_VISITOR_ID.fullmatch(visitor_id))
    ):
        raise InvalidRecord(INVALID_VISITOR_ID)
    mysfit_id = click.get("mysfitId")
    if (
        not isinstance(mysfit_id, str)
        or not _MYSFIT_ID.fullmatch(mysfit_id)
        or not mysfit_id.strip(".")
    ):
        raise InvalidRecord(INVALID_MYSFIT_ID)
    click_id = click.get("clickId")
    if "clickId" in click and not (isinstance(click_id, str) and _UUID.fullmatch(click_id)):
        raise InvalidRecord(INVALID_CLICK_ID)
    clicked_at = _received_at(click, arrival_millis)
    user_agent = click.get("userAgent")
    if user_agent is not None and not isinstance(user_agent, str):
        raise InvalidRecord(INVALID_USER_AGENT)
    return Click(
        event,
        user_id,
        authenticated,
        mysfit_id,
        clicked_at,
        False if user_agent is None else is_encoded_bot(user_agent),
        visitor_id,
        click_id,
    )


def _received_at(click: dict, arrival_millis: Any) -> str:
    """`receivedAt` as ISO-8601: a whole number of epoch milliseconds, no later than the record
    reached Firehose (give or take the two services' clocks)."""
    arrival = _whole_millis(arrival_millis)  # Firehose's own: refused if unusable
    if arrival is None or not 0 <= arrival <= _MAX_ARRIVAL_MILLIS:
        raise InvalidRecord(INVALID_ARRIVAL_TIMESTAMP)
    if "receivedAt" not in click:
        return iso_utc_from_millis(arrival)
    received = _whole_millis(click["receivedAt"])
    if (
        received is None
        or not 0 <= received <= _MAX_ARRIVAL_MILLIS
        or received > arrival + _CLOCK_SKEW_MILLIS
    ):
        raise InvalidRecord(INVALID_RECEIVED_AT)
    return iso_utc_from_millis(received)


def _whole_millis(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if type(value) is int else None


def iso_utc_from_millis(millis: Any) -> str:
    """`2026-11-27T17:19:01.123Z` for Unix epoch milliseconds."""
    if isinstance(millis, float) and millis.is_integer():
        millis = int(millis)
    if type(millis) is not int or not 0 <= millis <= _MAX_ARRIVAL_MILLIS:
        raise InvalidRecord(INVALID_ARRIVAL_TIMESTAMP)
    seconds, fraction = divmod(millis, 1000)
    return f"{_utc_second(seconds)}.{fraction:03d}Z"


@functools.lru_cache(maxsize=4096)
def _utc_second(seconds: int) -> str:
    # A batch's arrival times span a few minutes at most, so this is a cache hit nearly always.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def mysfit_members(mysfit_id: str, profile: MysfitProfile) -> str:
    """The JSON members a mysfit adds to each of its clicks, rendered once per batch."""
    return _encode_json(
        {
            "mysfitId": mysfit_id,
            "name": profile.name,
            "species": profile.species,
            "goodevil": profile.goodevil,
            "lawchaos": profile.lawchaos,
        }
    )[1:-1]


def encode_enriched(click: Click, members: str) -> str:
    """Base64 of the enriched click as one compact JSON line, keys in the contract's order
    (ENRICHED_FIELDS): event, userId, authenticated, visitorId and clickId (only when the click had
    them), mysfitId, name, species, goodevil, lawchaos, clickedAt, bot, then the ids' keys:
    clickKey and visitorKey (only with their ids) and userKey."""
    # The event is one of the contract's words, the ids matched _UUID or _EDGE_VISITOR_ID: no JSON
    # escaping needed.
    # A click id is new with every click: its key is not cached (it would only push out the
    # visitors' and users' keys, which repeat).
    if click.visitor_id:
        visitor_id = f',"visitorId":"{click.visitor_id}"'
        visitor_key = f',"visitorKey":{key(click.visitor_id)}'
    else:
        visitor_id = visitor_key = ""
    if click.click_id:
        click_id = f',"clickId":"{click.click_id}"'
        click_key = f',"clickKey":{fingerprint(click.click_id)}'
    else:
        click_id = click_key = ""
    line = (
        f'{{"event":"{click.event}","userId":{_encode_json(click.user_id)},'
        f'"authenticated":{_BOOLEAN[click.authenticated]}{visitor_id}{click_id},{members},'
        f'"clickedAt":"{click.clicked_at}","bot":{_BOOLEAN[click.bot]}{click_key}{visitor_key},'
        f'"userKey":{key(click.user_id)}}}\n'
    )
    return base64.b64encode(line.encode()).decode("ascii")
