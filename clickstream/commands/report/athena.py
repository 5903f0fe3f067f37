"""The questions on Athena: the named queries saved in the deployed stack's workgroup.

The stack saved each question (``ListNamedQueries`` / ``GetNamedQuery`` in the workgroup named by
the ``ClicksWorkGroupName`` output); a saved query that is not the repository's SQL, or asks
another database than the stack's ``ClicksDatabaseName``, is refused: anyone who may save a query
in the workgroup could otherwise choose what the report runs. The questions are started together
with ``StartQueryExecution`` in that workgroup (which enforces its result location, encryption
and scan limit) with the window's ``ExecutionParameters``, polled with ``GetQueryExecution``, read
with ``GetQueryResults``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from clickstream.commands.report.answers import Answer, ReportError, require
from clickstream.commands.stacks import describe_stack, stack_value
from clickstream.queries import QUESTIONS, Window

WORKGROUP_OUTPUT = "ClicksWorkGroupName"
DATABASE_OUTPUT = "ClicksDatabaseName"
_DEPLOY = "deploy the current templates/clickstream.json"
# Error types Athena gives a query that met a row it cannot read (Trino's and Hive's names).
_DATA_ERRORS = ("HIVE_BAD_DATA", "HIVE_CURSOR_ERROR", "INVALID_FUNCTION_ARGUMENT", "INVALID_CAST")
DEFAULT_TIMEOUT_SECONDS = 300.0
_FIRST_POLL_SECONDS = 0.5
_MAX_POLL_SECONDS = 5.0
_DONE = {"SUCCEEDED", "FAILED", "CANCELLED"}
# Athena's StateChangeReason for a query the workgroup's BytesScannedCutoffPerQuery cancelled.
SCAN_LIMIT_REASON = "Bytes scanned limit was exceeded"
# Athena's result types that are numbers; every value arrives as text (VarCharValue).
_INTEGERS = {"tinyint", "smallint", "integer", "bigint"}
_DECIMALS = {"real", "float", "double", "decimal"}


def ask_athena(
    stack_name: str,
    window: Window,
    *,
    region: str | None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    session: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[str, Answer], int]:
    """Each question's answer from Athena, and the bytes the queries scanned together."""
    boto3 = require("boto3", "the report on Athena")
    botocore_exceptions = require("botocore.exceptions", "the report on Athena")
    session = session or boto3.session.Session(region_name=region)
    try:
        cloudformation = session.client("cloudformation")
        athena = session.client("athena")
        workgroup, database = _workgroup_and_database(cloudformation, stack_name)
        check_saved(_named_queries(athena, workgroup), workgroup, database)
        started = {
            q.key: athena.start_query_execution(
                QueryString=q.sql,
                QueryExecutionContext={"Database": database},
                WorkGroup=workgroup,
                ExecutionParameters=window.athena_parameters(),
            )["QueryExecutionId"]
            for q in QUESTIONS
        }
        try:
            executions = _wait(athena, started, timeout, sleep)
        except _ScanLimit as cancelled:
            limit = _scan_limit(athena, workgroup)
            raise ReportError(
                f"query {cancelled.key} was cancelled at the workgroup's scan limit ({limit}) "
                f"over {window}: narrow the window with --since/--until"
            ) from None
        answers = {key: _results(athena, execution_id) for key, execution_id in started.items()}
    except botocore_exceptions.NoRegionError as error:
        raise ReportError("no AWS region given (use --region or set AWS_REGION)") from error
    except botocore_exceptions.NoCredentialsError as error:
        raise ReportError(
            "no AWS credentials found (set AWS_PROFILE or run aws configure)"
        ) from error
    except botocore_exceptions.ClientError as error:
        details = error.response.get("Error", {})
        raise ReportError(
            f"{error.operation_name}: {details.get('Code', '')} {details.get('Message', '')}"
        ) from error
    except botocore_exceptions.BotoCoreError as error:
        raise ReportError(str(error)) from error
    scanned = sum(e.get("Statistics", {}).get("DataScannedInBytes", 0) for e in executions.values())
    return answers, scanned


def _workgroup_and_database(cloudformation: Any, stack_name: str) -> tuple[str, str]:
    stack = describe_stack(cloudformation, stack_name)
    return (
        stack_value(stack, "Output", WORKGROUP_OUTPUT, fix=_DEPLOY),
        stack_value(stack, "Output", DATABASE_OUTPUT, fix=_DEPLOY),
    )


def check_saved(saved: dict[str, dict[str, Any]], workgroup: str, database: str) -> None:
    """Each question is saved in the workgroup as the repository's SQL, on the stack's database
    (Athena's names are case-insensitive); anything else is refused."""
    missing = [q.key for q in QUESTIONS if q.key not in saved]
    if missing:
        raise ReportError(
            f"workgroup {workgroup} has no named query {', '.join(missing)}: {_DEPLOY}"
        )
    for question in QUESTIONS:
        query = saved[question.key]
        where = f"named query {question.key} ({query['NamedQueryId']}) in workgroup {workgroup}"
        if query["QueryString"] != question.sql:
            raise ReportError(
                f"{where} is not clickstream/queries/{question.file}; not running it: {_DEPLOY}"
            )
        if query["Database"].lower() != database.lower():
            raise ReportError(
                f"{where} asks database {query['Database']!r}, not the stack's {database!r}; "
                f"not running it: {_DEPLOY}"
            )


def _named_queries(athena: Any, workgroup: str) -> dict[str, dict[str, Any]]:
    ids = [
        query_id
        for page in athena.get_paginator("list_named_queries").paginate(WorkGroup=workgroup)
        for query_id in page.get("NamedQueryIds", [])
    ]
    saved: dict[str, dict[str, Any]] = {}
    for query_id in ids:
        query = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
        other = saved.setdefault(query["Name"], query)
        # Names are not unique in Athena: someone may have saved another query by that name.
        if (other["QueryString"], other["Database"]) != (query["QueryString"], query["Database"]):
            raise ReportError(
                f"workgroup {workgroup} has two different named queries {query['Name']} "
                f"({other['NamedQueryId']}, {query['NamedQueryId']}): rename or delete one"
            )
    return saved


class _ScanLimit(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _scan_limit(athena: Any, workgroup: str) -> str:
    configuration = athena.get_work_group(WorkGroup=workgroup)["WorkGroup"]["Configuration"]
    limit = configuration.get("BytesScannedCutoffPerQuery")
    return "no limit set" if limit is None else f"{int(limit):,} bytes"


def _wait(
    athena: Any, started: dict[str, str], timeout: float, sleep: Callable[[float], None]
) -> dict[str, dict[str, Any]]:
    """Poll until every query is done; a failed or cancelled one is the report's error."""
    deadline = time.monotonic() + timeout
    pending, done, delay = dict(started), {}, _FIRST_POLL_SECONDS
    while pending:
        for key, execution_id in list(pending.items()):
            execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
            state = execution["Status"]["State"]
            if state not in _DONE:
                continue
            if state != "SUCCEEDED":
                reason = execution["Status"].get("StateChangeReason") or state.lower()
                if state == "CANCELLED" and SCAN_LIMIT_REASON.lower() in reason.lower():
                    raise _ScanLimit(key)
                raise ReportError(_failure(key, execution_id, execution["Status"]))
            done[key] = execution
            del pending[key]
        if pending:
            if time.monotonic() >= deadline:
                raise ReportError(
                    f"queries {', '.join(pending)} still running after {timeout:g} s "
                    "(see the workgroup's history; --timeout to wait longer)"
                )
            sleep(delay)
            delay = min(delay * 2, _MAX_POLL_SECONDS)
    return done


def _failure(key: str, execution_id: str, status: dict[str, Any]) -> str:
    """One line for a query that did not succeed: Athena's reason, its first sentence block.

    A row the SerDe or a function cannot read fails the query (HIVE_BAD_DATA,
    HIVE_CURSOR_ERROR, INVALID_FUNCTION_ARGUMENT …), and its reason names the value, and
    usually the object, it met; Athena adds lines of advice after it, which are left out."""
    state = status["State"].lower()
    reason = (status.get("StateChangeReason") or "").strip()
    reason = " ".join(reason.split("This query ran against")[0].split()) or state
    line = f"query {key} ({execution_id}) {state}: {reason}"
    if reason.startswith(_DATA_ERRORS):
        line = f"a malformed click under the clicks table: {line}"
    return line


def _results(athena: Any, execution_id: str) -> Answer:
    columns: list[str] = []
    types: list[str] = []
    rows: list[tuple[Any, ...]] = []
    pages = athena.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id)
    for number, page in enumerate(pages):
        result = page["ResultSet"]
        page_rows = result.get("Rows", [])
        if number == 0:
            info = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
            columns = [column["Name"] for column in info]
            types = [column["Type"].lower() for column in info]
            # A SELECT's first row holds the column names.
            page_rows = page_rows[1:]
        rows.extend(
            tuple(_value(cell, kind) for cell, kind in zip(row["Data"], types, strict=True))
            for row in page_rows
        )
    return Answer(columns, rows)


def _value(cell: dict[str, str], kind: str) -> Any:
    if "VarCharValue" not in cell:
        return None
    text = cell["VarCharValue"]
    if kind in _INTEGERS:
        return int(text)
    if kind.split("(")[0] in _DECIMALS:
        return float(text)
    return text
