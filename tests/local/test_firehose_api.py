"""The local delivery stream's Firehose JSON API, called by a real boto3 client over HTTP."""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.config import Config

from clickstream.http.servers import LocalServer
from clickstream.local.firehose.responses import FirehoseApi, FirehoseApiHandler
from clickstream.local.firehose.stream import LocalDeliveryStream

ACCOUNT = "123456789012"


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def local_stream(tmp_path) -> LocalDeliveryStream:
    return LocalDeliveryStream(
        name="clicks-stream",
        arn=f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/clicks-stream",
        region="us-east-1",
        bucket_dir=tmp_path,
        prefix="clicks/",
        error_prefix="errors/",
        processor=None,
        buffer_size_bytes=64 * 1024 * 1024,
        buffer_interval_seconds=3600,
    )


def start_firehose_api(
    bucket_dir, records_per_second: int | None
) -> tuple[LocalServer, object, LocalDeliveryStream, Clock]:
    """A local stream behind Firehose's API on a free port, and a boto3 client for it."""
    stream = local_stream(bucket_dir)
    clock = Clock()
    server = LocalServer(FirehoseApiHandler, "127.0.0.1", 0, "Firehose API")
    server.start(
        FirehoseApi(
            [stream], account_id=ACCOUNT, records_per_second=records_per_second, clock=clock
        )
    )
    client = boto3.client(
        "firehose",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    return server, client, stream, clock


@pytest.fixture
def serve(tmp_path):
    """serve(records_per_second=…) -> (boto3 firehose client, stream, clock, url)."""
    servers = []

    def start(records_per_second: int | None = None):
        server, client, stream, clock = start_firehose_api(tmp_path, records_per_second)
        servers.append(server)
        return client, stream, clock, server.url

    yield start
    for server in servers:
        server.stop()


def delivered(stream: LocalDeliveryStream, tmp_path) -> bytes:
    (_batch,) = stream.flush()
    return b"".join((tmp_path / key).read_bytes() for key in stream.objects)


def test_put_record_batch_puts_every_record_in_order(serve, tmp_path):
    client, stream, _, _ = serve()
    answer = client.put_record_batch(
        DeliveryStreamName="clicks-stream",
        Records=[{"Data": f'{{"n":{i}}}\n'.encode()} for i in range(3)],
    )
    assert answer["FailedPutCount"] == 0
    assert [set(entry) for entry in answer["RequestResponses"]] == [{"RecordId"}] * 3
    assert delivered(stream, tmp_path) == b'{"n":0}\n{"n":1}\n{"n":2}\n'


def test_put_record_answers_a_record_id(serve, tmp_path):
    client, stream, _, _ = serve()
    answer = client.put_record(DeliveryStreamName="clicks-stream", Record={"Data": b"one\n"})
    assert answer["RecordId"] and answer["Encrypted"] is False
    assert delivered(stream, tmp_path) == b"one\n"


def test_records_over_the_quota_fail_one_by_one_and_the_rest_are_taken(serve, tmp_path):
    client, stream, clock, _ = serve(records_per_second=3)
    answer = client.put_record_batch(
        DeliveryStreamName="clicks-stream",
        Records=[{"Data": f"{i}\n".encode()} for i in range(5)],
    )
    assert answer["FailedPutCount"] == 2
    entries = answer["RequestResponses"]
    assert [("RecordId" in e) for e in entries] == [True, True, True, False, False]
    assert {(e["ErrorCode"], e["ErrorMessage"]) for e in entries[3:]} == {
        ("ServiceUnavailableException", "Slow down.")
    }

    clock.now += 1
    again = client.put_record_batch(
        DeliveryStreamName="clicks-stream", Records=[{"Data": b"3\n"}, {"Data": b"4\n"}]
    )
    assert again["FailedPutCount"] == 0
    assert delivered(stream, tmp_path) == b"0\n1\n2\n3\n4\n"


def test_an_unknown_stream_is_firehoses_resource_not_found(serve):
    client, *_ = serve()
    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.put_record_batch(DeliveryStreamName="nope", Records=[{"Data": b"x"}])
    assert raised.value.response["Error"]["Message"] == (
        f"Firehose nope under account {ACCOUNT} not found."
    )


def test_more_than_4_mib_in_one_call_is_refused_whole(serve, tmp_path):
    client, stream, _, _ = serve()
    record = {"Data": b"x" * (1000 * 1024)}
    with pytest.raises(client.exceptions.InvalidArgumentException):
        client.put_record_batch(DeliveryStreamName="clicks-stream", Records=[record] * 5)
    assert stream.buffered() == 0


def test_list_delivery_streams(serve):
    client, *_ = serve()
    assert client.list_delivery_streams()["DeliveryStreamNames"] == ["clicks-stream"]


def post(url: str, operation: str, body: bytes, content_type: str) -> requests.Response:
    headers = {"X-Amz-Target": f"Firehose_20150804.{operation}", "Content-Type": content_type}
    return requests.post(url, data=body, headers=headers, timeout=10)


def test_a_request_without_the_json_protocol_is_refused(serve):
    _, stream, _, url = serve()
    body = b'{"DeliveryStreamName": "clicks-stream", "Record": {"Data": "eA=="}}'
    answer = post(url, "PutRecord", body, "application/json")
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"] == "SerializationException"
    assert answer.json()["__type"] == "SerializationException"
    assert stream.buffered() == 0


def test_parameters_are_checked_against_the_service_model(serve):
    _, stream, _, url = serve()
    body = b'{"DeliveryStreamName": "clicks-stream", "Records": []}'
    answer = post(url, "PutRecordBatch", body, "application/x-amz-json-1.1")
    assert answer.status_code == 400
    assert answer.json()["__type"] == "ValidationException"
    assert stream.buffered() == 0
