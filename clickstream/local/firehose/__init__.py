"""An Amazon Data Firehose delivery stream, run locally from the template's resource.

``stream`` holds the stream's state and delivery: buffering, the processor's invocation and its
contract, retries, the error prefixes, and the S3 objects written into the bucket folder.
``responses`` is its wire format: Firehose's JSON API (``PutRecord``, ``PutRecordBatch``) with
its quotas. ``conversion`` writes a buffer as Snappy Parquet through the Glue table's columns,
as Firehose's record format conversion does, and ``loading`` reads its configuration from the
template; ``prefix`` evaluates the S3 prefixes' expressions.
"""

from .conversion import ParquetConversion
from .responses import FirehoseApi, FirehoseApiHandler
from .stream import MAX_RECORD_BYTES, LocalDeliveryStream, StreamClosedError

__all__ = [
    "MAX_RECORD_BYTES",
    "FirehoseApi",
    "FirehoseApiHandler",
    "LocalDeliveryStream",
    "ParquetConversion",
    "StreamClosedError",
]
