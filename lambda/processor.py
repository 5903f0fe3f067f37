"""Firehose data-transformation processor: enrich Mythical Mysfits clicks with the mysfit's traits.

Handler: `processor.handler`. Every input record comes back once, in order, `Ok` or
`ProcessingFailed` (never `Dropped`: Firehose keeps a failed record's raw data under the error
prefix). One summary log line and one set of EMF metrics per invocation.

Environment: MYSFITS_API_URL (required), MYSFITS_TABLE_ARN (the DynamoDB fallback, read in the
table's own region; none if unset), POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, and
the tunables in `click_enrichment.settings.DEFAULTS`.
"""

from __future__ import annotations

import os
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from click_enrichment.batch import UNREADABLE_RECORD, BatchSummary, process_batch
from click_enrichment.lookup import (
    DEADLINE,
    MYSFIT_UNAVAILABLE,
    UNKNOWN_MYSFIT,
    MysfitResolver,
    MysfitsApi,
    MysfitsTable,
    ProfileCache,
    new_session,
)
from click_enrichment.records import INVALID_REASONS
from click_enrichment.settings import Settings

# The template sets both variables; these defaults keep a missing one from failing every batch.
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "clickstream-processor")
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "MysfitsClickStream")

# Every reason a record can fail, so each metric is published even when it is zero.
FAILURE_REASONS = (
    *INVALID_REASONS,
    UNREADABLE_RECORD,
    UNKNOWN_MYSFIT,
    MYSFIT_UNAVAILABLE,
    DEADLINE,
)
_MAX_PROBLEMS_LOGGED = 20

_resolver: MysfitResolver | None = None
_settings: Settings | None = None


def _container() -> tuple[Settings, MysfitResolver]:
    """Settings, HTTP session, cache and DynamoDB client: made once per container."""
    global _resolver, _settings
    if _resolver is None or _settings is None:
        settings = Settings.from_env(os.environ)
        api = MysfitsApi(
            lambda: new_session(settings.api_concurrency),
            settings.api_url,
            timeout=settings.api_timeout,
            max_attempts=settings.api_max_attempts,
            backoff=settings.api_backoff,
        )
        table = MysfitsTable(settings.table_arn) if settings.table_arn else None
        cache = ProfileCache(settings.cache_ttl)
        _resolver = MysfitResolver(api, table, cache, settings.api_concurrency)
        _settings = settings
    return _settings, _resolver


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Firehose's `{"records": [...]}` in, the same records enriched or failed out."""
    started = time.monotonic()
    settings, resolver = _container()
    deadline = started + context.get_remaining_time_in_millis() / 1000
    response, summary = process_batch(
        KinesisFirehoseEvent(event),
        resolver,
        lookup_cutoff=deadline - settings.deadline_margin,
        encode_cutoff=deadline - settings.deadline_margin / 4,
        on_invalid=_log_invalid,
    )
    duration_ms = round((time.monotonic() - started) * 1000, 1)
    _publish(event.get("invocationId"), summary, duration_ms)
    return response


def _log_invalid(record_id: str, reason: str) -> None:
    logger.warning("invalid click record", extra={"recordId": record_id, "reason": reason})


def _publish(invocation_id: str | None, summary: BatchSummary, duration_ms: float) -> None:
    lookups = summary.lookups
    if lookups.problems:
        logger.warning(
            "mysfits API trouble",
            extra={
                "reads": len(lookups.problems),
                "problems": [
                    {"read": read, "problem": problem}
                    for read, problem in lookups.problems[:_MAX_PROBLEMS_LOGGED]
                ],
            },
        )
    failed = sum(summary.failed.values())
    logger.info(
        "click batch processed",
        extra={
            "invocationId": invocation_id,
            "records": summary.records,
            "ok": summary.ok,
            "processingFailed": failed,
            "failedByReason": dict(sorted(summary.failed.items())),
            "distinctMysfits": summary.distinct_mysfits,
            "apiCalls": lookups.api_calls,
            "apiRetries": lookups.api_retries,
            "cacheHits": lookups.cache_hits,
            "fallbacks": lookups.fallbacks,
            "tableCalls": lookups.table_calls,
            "deadlineReached": summary.deadline_reached,
            "durationMs": duration_ms,
        },
    )
    counts = {
        "Records": summary.records,
        "RecordsOk": summary.ok,
        "RecordsProcessingFailed": failed,
        "ApiCalls": lookups.api_calls,
        "ApiRetries": lookups.api_retries,
        "CacheHits": lookups.cache_hits,
        "Fallbacks": lookups.fallbacks,
    }
    for reason in FAILURE_REASONS:
        counts["Failed" + reason.title().replace("_", "")] = summary.failed[reason]
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_metric(name="Duration", unit=MetricUnit.Milliseconds, value=duration_ms)
