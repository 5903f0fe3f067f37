"""Whatever a client sends, the clicks API answers as API Gateway does: a status it could give,
with the CORS headers the template's gateway responses add, and never a traceback."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from clickstream.local import LocalPipeline
from clickstream.local.mysfits import CATALOG_FILE

from .conftest import FAST, TEMPLATE, model_schema

CATALOG = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
MYSFIT_ID = CATALOG[0]["mysfitId"]
ORIGIN = "http://127.0.0.1:8000"
JSON_TYPES = ("application/json", "application/json; charset=utf-8", "APPLICATION/JSON", None)
ANSWERED = {200, 400, 415}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[LocalPipeline, _Collect, list]]:
    """One pipeline for every example, throttling raised so that only the body decides."""
    collect = _Collect()
    logger = logging.getLogger("clickstream")
    logger.addHandler(collect)
    thread_errors: list[Any] = []
    previous_hook = threading.excepthook
    threading.excepthook = thread_errors.append
    pipeline = LocalPipeline(
        TEMPLATE,
        tmp_path_factory.mktemp("bucket"),
        web_dir=None,
        interval_scale=FAST,
        parameters={
            "AllowedOrigin": ORIGIN,
            "ThrottlingRateLimit": "10000",
            "ThrottlingBurstLimit": "5000",
        },
    ).start()
    try:
        yield pipeline, collect, thread_errors
    finally:
        pipeline.stop()
        threading.excepthook = previous_hook
        logger.removeHandler(collect)


def _model() -> Draft4Validator:
    return Draft4Validator(model_schema(json.loads(TEMPLATE.read_text(encoding="utf-8"))))


def _nested(depth: int, opener: str, closer: str) -> str:
    return opener * depth + closer * depth


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
clicks = st.fixed_dictionaries(
    {"userId": st.text(max_size=140), "mysfitId": st.text(max_size=140) | st.just(MYSFIT_ID)},
    optional={"extra": json_values},
)
bodies = st.one_of(
    clicks.map(json.dumps).map(str.encode),
    json_values.map(lambda v: json.dumps(v, allow_nan=True)).map(str.encode),
    st.tuples(st.integers(1, 5000), st.sampled_from([("[", "]"), ('{"a":', "}")])).map(
        lambda spec: _nested(spec[0], *spec[1]).encode()
    ),
    st.binary(max_size=300),
    st.tuples(clicks, st.sampled_from(["utf-16", "utf-32", "latin-1", "utf-8-sig"])).map(
        lambda spec: json.dumps(spec[0], ensure_ascii=False).encode(spec[1], errors="replace")
    ),
    st.sampled_from([b"NaN", b"-Infinity", b'{"userId": NaN}', b"\xff\xfe", b" ", b""]),
)
content_types = st.sampled_from(
    [
        *JSON_TYPES,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json;charset=utf-16",
    ]
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies, content_type=content_types)
@example(body=_nested(2000, "[", "]").encode(), content_type="application/json")
@example(body=('{"userId":' * 1000 + '"x"' + "}" * 1000).encode(), content_type=None)
def test_any_body_gets_an_api_gateway_answer_with_cors_headers(served, body, content_type):
    pipeline, collect, thread_errors = served
    headers = {"Origin": ORIGIN}
    if content_type is not None:
        headers["Content-Type"] = content_type
    answer = requests.put(f"{pipeline.api_url}/clicks", data=body, headers=headers, timeout=10)

    assert answer.status_code in ANSWERED, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert answer.headers["x-amzn-RequestId"]
    assert isinstance(answer.json(), dict)
    if answer.status_code == 200:
        # Only a click the model accepts, sent as JSON, is recorded.
        assert (content_type or "application/json").split(";")[0].lower() == "application/json"
        assert _model().is_valid(json.loads(body.decode("utf-8")))
    assert [
        r.getMessage() for r in collect.records if r.exc_info or r.levelno >= logging.ERROR
    ] == []
    assert thread_errors == []


def _raw(pipeline: LocalPipeline, request: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = pipeline.api_url.removeprefix("http://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = dict(line.split(": ", 1) for line in lines[1:])
                if len(body) >= int(headers.get("Content-Length", 0)):
                    return int(lines[0].split()[1]), headers, body
    raise AssertionError(f"no answer: {data!r}")


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"PUT /prod/clicks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ten\r\n\r\n", 400),
        (b"PUT /prod/clicks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n", 400),
        (
            b"PUT /prod/clicks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
        ),
        (b"PUT /prod/clicks HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", 400),
        (b"GARBAGE\r\n\r\n", 400),
    ],
)
def test_unreadable_requests_get_a_gateway_answer_with_cors_headers(served, request_bytes, status):
    pipeline, collect, _ = served

    got, headers, body = _raw(pipeline, request_bytes)

    assert got == status
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "message" in json.loads(body)
    assert [r for r in collect.records if r.exc_info] == []


def test_a_body_over_10_mb_gets_api_gateway_s_undressed_413(served):
    # API Gateway does not let a template customise REQUEST_TOO_LARGE: no CORS headers on it.
    pipeline, collect, _ = served
    request = b"PUT /prod/clicks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999\r\n\r\n"

    status, headers, body = _raw(pipeline, request)

    assert status == 413
    assert "Access-Control-Allow-Origin" not in headers
    assert json.loads(body)["message"]
    assert [r for r in collect.records if r.exc_info] == []


def test_a_chunked_click_is_recorded(served):
    pipeline, _, _ = served
    click = json.dumps({"userId": "chunked", "mysfitId": MYSFIT_ID}).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (click[:10], click[10:]))
    request = (
        b"PUT /prod/clicks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked + b"0\r\n\r\n"
    )

    status, _, body = _raw(pipeline, request)

    assert status == 200, body
    pipeline.flush()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW"]),
    path=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:@", max_size=12),
        max_size=4,
    ).map(lambda parts: "/" + "/".join(parts)),
    prefixed=st.booleans(),
)
def test_any_route_gets_an_api_gateway_answer_with_cors_headers(served, method, path, prefixed):
    pipeline, collect, thread_errors = served
    host, port = pipeline.api_url.removeprefix("http://").split("/")[0].split(":")
    target = ("/prod" if prefixed else "") + path
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(
        method, target, b"{}", {"Origin": ORIGIN, "Content-Type": "application/json"}
    )
    answer = connection.getresponse()
    body = answer.read()
    connection.close()

    assert answer.status in {200, 400, 403, 415}, (answer.status, body)
    assert answer.getheader("Access-Control-Allow-Origin") == ORIGIN
    if method != "HEAD":
        assert isinstance(json.loads(body or b"{}"), dict)
    assert [
        r.getMessage() for r in collect.records if r.exc_info or r.levelno >= logging.ERROR
    ] == []
    assert thread_errors == []
