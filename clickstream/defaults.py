"""Secure defaults, as data: every number and prefix the builders apply, on one screen."""

# --- Processor (AWS Lambda) -------------------------------------------------------------------
# python3.13 is supported until 2029-06-30 (cfn-lint LmbdRuntimeLifecycle); arm64 is cheaper.
PROCESSOR_RUNTIME = "python3.13"
PROCESSOR_ARCHITECTURE = "arm64"
PROCESSOR_HANDLER = "processor.handler"
# A full processor buffer (~10,000 clicks) must finish well inside Firehose's 5-minute wait.
PROCESSOR_TIMEOUT_SECONDS = 120
PROCESSOR_MEMORY_MB = 256
PROCESSOR_SERVICE_NAME = "clickstream-processor"
METRICS_NAMESPACE = "MysfitsClickStream"

# --- Delivery stream (Amazon Data Firehose) ---------------------------------------------------
# S3 buffering: whichever comes first. IntervalInSeconds 0-900, SizeInMBs 1-128.
DELIVERY_BUFFER_SECONDS = 60
DELIVERY_BUFFER_MB = 50
# Processor buffering (strings: ProcessorParameter values are strings). At 1 MB a buffer of the
# smallest clicks the model accepts (~36,000) makes a 6.2 MiB invocation, over Lambda's 6 MB
# limit; at 0.5 MB the worst case is 3.1 MiB in and 2.8 MiB out (tests/processor measure it).
PROCESSOR_BUFFER_MB = "0.5"
PROCESSOR_BUFFER_SECONDS = "60"
PROCESSOR_RETRIES = "3"
# Athena-readable partitions. The error prefix must carry !{firehose:error-output-type} so
# records the processor could not enrich land apart, under processing-failed/.
CLICKS_PREFIX = "clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
ERROR_PREFIX = (
    "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}"
    "/day=!{timestamp:dd}/"
)
DELIVERY_LOG_STREAM = "S3Delivery"

# --- REST API (Amazon API Gateway) ------------------------------------------------------------
DEFAULT_STAGE = "prod"
DEFAULT_ALLOWED_ORIGIN = "*"
CORS_ALLOWED_HEADERS = "Content-Type"
CORS_ALLOWED_METHODS = "OPTIONS,PUT"
CORS_MAX_AGE_SECONDS = "600"
DEFAULT_THROTTLE_RATE = 50
DEFAULT_THROTTLE_BURST = 100
FIREHOSE_CONTENT_TYPE = "application/x-amz-json-1.1"
# A click: two short identifiers. Workshop mysfit ids are UUIDs; user ids are Cognito user names.
CLICK_ID_MAX_LENGTH = 128
CLICK_ID_PATTERN = r"^[A-Za-z0-9@._+:-]+$"
CLICK_UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

# --- Storage and logs -------------------------------------------------------------------------
DEFAULT_NONCURRENT_VERSION_DAYS = 90
ABORT_MULTIPART_DAYS = 7
DEFAULT_LOG_RETENTION_DAYS = 30
# CloudWatch Logs accepts only these retention values.
LOG_RETENTION_CHOICES = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
]  # fmt: skip

# --- Alarms -----------------------------------------------------------------------------------
# Delivery freshness: the oldest record waits at most the buffer interval plus processing.
FRESHNESS_ALARM_SECONDS = 900
ALARM_PERIOD_SECONDS = 300
# The processor's Embedded Metric Format count of records it kept as ProcessingFailed.
FAILED_RECORDS_METRIC = "RecordsProcessingFailed"
