"""Secure defaults, as data: every number and prefix the builders apply, on one screen."""

from clickstream import contract

# --- Processor (AWS Lambda) -------------------------------------------------------------------
# python3.13 is supported until 2029-06-30 (cfn-lint LmbdRuntimeLifecycle); arm64 is cheaper.
PROCESSOR_RUNTIME = "python3.13"
PROCESSOR_ARCHITECTURE = "arm64"
PROCESSOR_HANDLER = "processor.handler"
# A full processor buffer (~10,000 clicks) must finish well inside Firehose's 5-minute wait.
PROCESSOR_TIMEOUT_SECONDS = 120
PROCESSOR_MEMORY_MB = 256
METRICS_NAMESPACE = "MysfitsClickStream"

# --- Delivery stream (Amazon Data Firehose) ---------------------------------------------------
# S3 buffering: whichever comes first. IntervalInSeconds 0-900, SizeInMBs 1-128, and with record
# format conversion on at least 64 ("BufferingHints.SizeInMBs must be at least 64 when data format
# conversion is enabled", CreateDeliveryStream's InvalidArgumentException).
DELIVERY_BUFFER_SECONDS = 60
DELIVERY_BUFFER_MB = 64
# Processor buffering (strings: ProcessorParameter values are strings). At 1 MB a buffer of the
# smallest clicks the model accepts (~36,000) makes a 6.2 MiB invocation, over Lambda's 6 MB
# limit; at 0.5 MB the worst case is 3.1 MiB in and 2.8 MiB out (tests/processor measure it).
PROCESSOR_BUFFER_MB = "0.5"
PROCESSOR_BUFFER_SECONDS = "60"
PROCESSOR_RETRIES = "3"
# Athena-readable partitions. The error prefix must carry !{firehose:error-output-type} so
# records the processor could not enrich land apart, under processing-failed/, and records that
# could not be converted to Parquet under format-conversion-failed/ (both stay JSON lines).
CLICKS_PREFIX = "clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
ERROR_PREFIX = (
    "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}"
    "/day=!{timestamp:dd}/"
)
# The error output types whose failure records hold a click to replay (rawData, base64).
PROCESSING_FAILED = "processing-failed"
FORMAT_CONVERSION_FAILED = "format-conversion-failed"
REPLAYABLE_ERROR_TYPES = (PROCESSING_FAILED, FORMAT_CONVERSION_FAILED)
DELIVERY_LOG_STREAM = "S3Delivery"
# Record format conversion: the processor's JSON lines, read by the OpenX JSON SerDe (it parses
# clickedAt's yyyy-MM-dd'T'HH:mm:ss.SSS'Z'; Hive's JSON SerDe would need TimestampFormats) against
# the clicks table's latest version, written as Snappy Parquet (Firehose names them .parquet).
CONVERSION_TABLE_VERSION = "LATEST"
PARQUET_COMPRESSION = "SNAPPY"

# --- REST API (Amazon API Gateway) ------------------------------------------------------------
DEFAULT_STAGE = "prod"
DEFAULT_ALLOWED_ORIGIN = "*"
CORS_ALLOWED_HEADERS = "Content-Type"
# The signed-in method also takes the Cognito ID token, in Authorization.
CORS_SIGNED_IN_ALLOWED_HEADERS = "Authorization,Content-Type"
CORS_ALLOWED_METHODS = "OPTIONS,PUT"
CORS_MAX_AGE_SECONDS = "600"
DEFAULT_THROTTLE_RATE = 50
DEFAULT_THROTTLE_BURST = 100
FIREHOSE_CONTENT_TYPE = "application/x-amz-json-1.1"
# A click: two short identifiers. Workshop mysfit ids are UUIDs; user ids are Cognito user names.
# Model patterns are ECMA-262 regular expressions, but API Gateway's engine is not documented, and
# in Java and Python `$` also matches before a final newline: `(?![\s\S])` is end of input in
# every engine.
CLICK_ID_MAX_LENGTH = 128
END_OF_INPUT = r"(?![\s\S])"
CLICK_ID_PATTERN = r"^[A-Za-z0-9@._+:-]+" + END_OF_INPUT
# An optional click id: a canonical lowercase UUID, as the browser's crypto.randomUUID() makes.
CLICK_UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}" + END_OF_INPUT

# --- Storage and logs -------------------------------------------------------------------------
DEFAULT_NONCURRENT_VERSION_DAYS = 90
ABORT_MULTIPART_DAYS = 7
DEFAULT_LOG_RETENTION_DAYS = 30
# CloudWatch Logs accepts only these retention values.
LOG_RETENTION_CHOICES = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
]  # fmt: skip

# --- Asking the clicks (AWS Glue table, Amazon Athena workgroup) ----------------------------
# The table is the processor's enriched line (the click contract's ENRICHED_FIELDS): its keys, in
# the order it writes them, with their Hive types (string, boolean, timestamp: the Glue columns,
# the Parquet files' schema and the local runner's writer all follow from this). Firehose's
# deserializer matches columns to keys without regard to case, so each column is its key in lower
# case. visitorId and clickId are optional: absent from clicks that had none (NULL).
CLICK_FIELDS = contract.ENRICHED_FIELDS
CLICKS_TABLE = "clicks"
# The table's storage: what Firehose's ParquetSerDe writes, as Hive (and so Athena) reads it.
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
PARQUET_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
# Partition projection: each !{timestamp:…} field of CLICKS_PREFIX, as a partition key with
# its projected range and zero-padded width. An unconstrained query lists every projected day
# (about 3,700 for ten years); widen the years here before 2036 (a stack update, nothing else).
PARTITION_PROJECTION = {
    "yyyy": ("year", "2026,2035", 4),
    "MM": ("month", "1,12", 2),
    "dd": ("day", "1,31", 2),
}
# Athena writes each query's results here: under a prefix the delivery stream never writes,
# outside the table's location, encrypted, and expired after a month (in the versioned bucket an
# expired result becomes a noncurrent version, removed a day later).
QUERY_RESULTS_PREFIX = "athena-results/"
QUERY_RESULTS_EXPIRATION_DAYS = 30
QUERY_RESULTS_NONCURRENT_DAYS = 1
# The report's window: UTC days, the last 30 by default. A click is filed under the day its
# buffer's oldest record arrived (up to a day before its own), and a replayed click under the day
# it was replayed: the questions read the window's partitions from the day before it to
# REPLAY_GRACE_DAYS after it, so clicks replayed within a week still count on their own day.
DEFAULT_REPORT_DAYS = 30
REPLAY_GRACE_DAYS = 7
# A query that would scan more is cancelled (Athena charges per byte scanned; 10 MB minimum).
DEFAULT_QUERY_SCAN_LIMIT_BYTES = 1_073_741_824
MIN_QUERY_SCAN_LIMIT_BYTES = 10_000_000
ATHENA_ENGINE_VERSION = "Athena engine version 3"

# --- Alarms -----------------------------------------------------------------------------------
# Delivery freshness: the oldest record waits at most the buffer interval plus processing.
FRESHNESS_ALARM_SECONDS = 900
ALARM_PERIOD_SECONDS = 300
# The processor's Embedded Metric Format counts (per batch; every one is published, zeros too).
OK_RECORDS_METRIC = "RecordsOk"
FAILED_RECORDS_METRIC = "RecordsProcessingFailed"
# Failed clicks page only when they are a share of the traffic AND more than a handful: one click
# for an unknown mysfit is any visitor's to send.
DEFAULT_FAILED_SHARE_PERCENT = 5
DEFAULT_FAILED_MINIMUM = 10
# Sustained, not single: Firehose retries a failed S3 PUT or invocation by itself, so one bad
# datapoint is noise; this many periods in a row is an outage.
SUSTAINED_PERIODS = 3
# The dashboard's graphs: one datapoint a minute, the last three hours by default.
DASHBOARD_PERIOD_SECONDS = 60
DASHBOARD_RANGE = "-PT3H"
