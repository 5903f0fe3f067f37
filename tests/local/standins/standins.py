"""Stand-in Firehose processors for the local runner's tests (a template copy names one)."""

import base64
import json
import os
import time


def _line(record, context):
    text = base64.b64decode(record["data"]).decode("utf-8")
    line = {
        "data": text,
        "remainingMs": context.get_remaining_time_in_millis(),
        "functionName": context.function_name,
        "functionArn": context.invoked_function_arn,
        "memoryMb": context.memory_limit_in_mb,
        "requestId": context.aws_request_id,
        "mysfitsApiUrl": os.environ.get("MYSFITS_API_URL"),
        "recordId": record["recordId"],
    }
    return base64.b64encode((json.dumps(line) + "\n").encode()).decode()


def echo(event, context):
    """Every record Ok: a JSON line with its data and what the context said."""
    return {
        "records": [
            {"recordId": r["recordId"], "result": "Ok", "data": _line(r, context)}
            for r in event["records"]
        ]
    }


def reject_all(event, context):
    return {
        "records": [
            {"recordId": r["recordId"], "result": "ProcessingFailed", "data": r["data"]}
            for r in event["records"]
        ]
    }


def drop_all(event, context):
    return {"records": [{"recordId": r["recordId"], "result": "Dropped"} for r in event["records"]]}


def lose_one(event, context):
    return {"records": echo(event, context)["records"][:-1]}


def duplicate_one(event, context):
    records = echo(event, context)["records"]
    return {"records": [*records, records[0]]}


def unknown_result(event, context):
    records = echo(event, context)["records"]
    records[0]["result"] = "Maybe"
    return {"records": records}


def not_a_response(event, context):
    return ["not", "a", "response"]


def raises(event, context):
    raise RuntimeError("processor bug")


def sleeps(event, context):
    time.sleep(context.get_remaining_time_in_millis() / 1000 + 1)
    return echo(event, context)


def too_large(event, context):
    """Every record Ok, but the response is over Lambda's 6 MB (the first record's data: 5 MB)."""
    records = echo(event, context)["records"]
    records[0]["data"] = base64.b64encode(b"x" * (5 * 1024 * 1024)).decode()
    return {"records": records}
