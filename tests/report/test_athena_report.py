"""The report on Athena, against moto: the stack's workgroup and named queries, as the template
declares them, created through the Glue and Athena APIs.

moto checks the requests' shapes (botocore validates every parameter against the service
model), that the workgroup exists when a query is saved in it, and hands out queued results in
Athena's format. It does not run SQL (the test queues the rows DuckDB computed for the same
clicks), project partitions, enforce the workgroup's result location, encryption or scan limit,
or fail a query by itself (one test fails one as Athena would; another answers
GetQueryExecution as Athena does for a query the workgroup's scan limit cancelled).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import boto3
import pytest
import requests
from moto import mock_aws
from moto.athena.models import athena_backends
from moto.moto_api import state_manager

from clickstream.commands.report import main
from clickstream.commands.report.answers import Answer, ReportError
from clickstream.commands.report.athena import ask_athena
from clickstream.commands.report.local import ask_bucket
from clickstream.local.cloudformation import ResolvedTemplate
from clickstream.queries import QUESTIONS, Window
from tests.fake_aws import use_fake_credentials

from .conftest import YEAR, YEAR_ARGS, Sent, expected_report, without_sessions
from .journey import expected

REGION = "eu-west-1"
ACCOUNT = "123456789012"
STACK = "mysfits-clickstream"
BUCKET = "mysfits-clickstream-clicks"
REQUIRED = {
    "MysfitsTableArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/MysfitsTable",
    "MysfitsApiUrl": "https://mysfits.example.com/api",
    "LambdaCodeBucket": "code-bucket",
    "LambdaCodeKey": "clickstream/processor-0.zip",
}
# Trino's result types: count(), hour() and rank() are bigint; avg() and a double divided
# are double; the CAST is a date.
BIGINT = (
    "events profile_views likes adoptions visitors signed_in_users bot_events viewers likers "
    "adopters adopted_without_viewing liked_without_viewing sessions clicks hour_utc day_rank"
)
DOUBLE = (
    "median_profiles_viewed median_distinct_mysfits_viewed median_minutes_from_first_view "
    "median_events_per_session median_minutes bounce_rate"
)
ATHENA_TYPES = {
    **dict.fromkeys(BIGINT.split(), "bigint"),
    **dict.fromkeys(DOUBLE.split(), "double"),
    "click_date": "date",
}


@pytest.fixture
def aws(monkeypatch):
    use_fake_credentials(monkeypatch, REGION)
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


def deploy(session, template: dict, *, questions=QUESTIONS, outputs: bool = True) -> dict:
    """The stack's Glue and Athena resources made through their APIs from the template's
    resolved properties, and a stack with the template's two analytics outputs."""
    resolved = ResolvedTemplate(
        template,
        parameters=REQUIRED,
        pseudo={"AWS::StackName": STACK, "AWS::AccountId": ACCOUNT, "AWS::Region": REGION},
    )
    ((_, database),) = resolved.of_type("AWS::Glue::Database")
    ((_, table),) = resolved.of_type("AWS::Glue::Table")
    ((_, workgroup),) = resolved.of_type("AWS::Athena::WorkGroup")
    glue, athena = session.client("glue"), session.client("athena")
    glue.create_database(DatabaseInput=database["DatabaseInput"])
    name = database["DatabaseInput"]["Name"]
    glue.create_table(DatabaseName=name, TableInput=table["TableInput"])
    configuration = workgroup["WorkGroupConfiguration"]
    # CloudFormation turns the Number parameter into the API's long.
    configuration["BytesScannedCutoffPerQuery"] = int(configuration["BytesScannedCutoffPerQuery"])
    athena.create_work_group(
        Name=workgroup["Name"],
        Configuration=configuration,
        Description=workgroup["Description"],
    )
    keys = {question.key for question in questions}
    for _, query in resolved.of_type("AWS::Athena::NamedQuery"):
        if query["Name"] in keys:
            athena.create_named_query(
                Name=query["Name"],
                Description=query["Description"],
                Database=name,
                QueryString=query["QueryString"],
                WorkGroup=workgroup["Name"],
            )
    stack_outputs = {}
    if outputs:
        session.client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        stack_outputs = {
            "ClicksWorkGroupName": {"Value": workgroup["Name"]},
            "ClicksDatabaseName": {"Value": name},
            "ClicksBucketName": {"Value": BUCKET},
        }
    session.client("cloudformation").create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(
            {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": stack_outputs}
        ),
    )
    return {"workgroup": workgroup["Name"], "database": name}


def queue_results(answers) -> None:
    """Athena's answers, in the order the report starts the queries: a header row, then each
    value as text (VarCharValue; a NULL has none)."""
    results = []
    for question in QUESTIONS:
        answer = answers[question.key]
        header = {"Data": [{"VarCharValue": column} for column in answer.columns]}
        rows = [
            {"Data": [{} if v is None else {"VarCharValue": str(v)} for v in row]}
            for row in answer.rows
        ]
        results.append(
            {
                "rows": [header, *rows],
                "column_info": [
                    {"Name": column, "Label": column, "Type": ATHENA_TYPES.get(column, "varchar")}
                    for column in answer.columns
                ],
            }
        )
    reply = requests.post(
        "http://motoapi.amazonaws.com/moto-api/static/athena/query-results",
        json={"account_id": ACCOUNT, "region": REGION, "results": results},
        timeout=10,
    )
    assert reply.status_code == 201


def test_the_report_says_how_many_objects_of_failed_clicks_sit_under_errors(
    aws, template, named_queries, pipeline, capsys
):
    queue_results(ask_bucket(pipeline.bucket_dir, YEAR, named_queries))
    deploy(aws, template)
    s3 = aws.client("s3")
    failed = "errors/processing-failed/year=2026/month=11/day=26/stream-1-2026-11-26-08-00-00-"
    bodies = [b'{"rawData": "e30="}\n' * 3, b'{"rawData": "e30="}\n']
    for name, body in zip("ab", bodies, strict=True):
        s3.put_object(Bucket=BUCKET, Key=failed + name, Body=body)
    s3.put_object(Bucket=BUCKET, Key="errors/replayed/year=2026/month=11/day=25/c", Body=b"{}\n")

    status = main(["--stack-name", STACK, "--region", REGION])

    err = capsys.readouterr().err.splitlines()
    assert status == 0
    assert err[-1] == (
        f"report: 2 objects ({sum(map(len, bodies))} bytes) of clicks under "
        f"s3://{BUCKET}/errors/ could not be enriched and are not in this report "
        "(python generate.py replay sends them back)"
    )


def test_the_stacks_named_queries_run_in_its_workgroup(
    aws, template, named_queries, pipeline, profiles, deliver_at, capsys
):
    first, second, third = sorted(profiles)[:3]
    clicks = [
        Sent("guest", first, datetime(2026, 11, 26, 8, tzinfo=UTC)),
        Sent("ana", first, datetime(2026, 11, 26, 9, tzinfo=UTC)),
        Sent("ana", second, datetime(2026, 11, 27, 21, tzinfo=UTC)),
        Sent("bo", third, datetime(2026, 11, 27, 21, 30, tzinfo=UTC)),
        Sent("bo", third, datetime(2026, 11, 27, 22, tzinfo=UTC)),
    ]
    deliver_at(clicks)
    deployed = deploy(aws, template)
    window = Window(date(2026, 11, 26), date(2026, 11, 27))
    queue_results(ask_bucket(pipeline.bucket_dir, window, named_queries))

    window_args = ["--since", "2026-11-26", "--until", "2026-11-27"]
    status = main(["--stack-name", STACK, "--region", REGION, "--json", *window_args])

    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert without_sessions(json.loads(captured.out)) == expected_report(clicks, profiles)
    assert captured.err == "report: Athena scanned 0 bytes\n"
    athena = aws.client("athena")
    ids = athena.list_query_executions(WorkGroup=deployed["workgroup"])["QueryExecutionIds"]
    executions = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]
    assert sorted(e["Query"] for e in executions) == sorted(named_queries.values())
    assert {e["QueryExecutionContext"]["Database"] for e in executions} == {deployed["database"]}
    # The window, as SQL literals: the partitions from the day before to a week after (25 Nov to
    # 4 Dec 2026), first as plain bounds on each key (2026; November to December; the 25th to
    # the 31st of the first month or the 1st to the 4th of the next), then exact, then the days.
    bounds = ["2026", "2026", "11", "12", "11", "12", "25", "31", "1", "4"]
    assert [e["ExecutionParameters"] for e in executions] == [
        [*bounds, "20261125", "20261204", "'2026-11-26'", "'2026-11-27'"]
    ] * len(QUESTIONS)


def test_the_journey_on_athena_gives_the_answers_worked_out_by_hand(
    aws, template, named_queries, journey_bucket, mysfit_ids, capsys
):
    deploy(aws, template)
    # What Athena would answer: DuckDB's rows for the same SQL, as text with Trino's types.
    queue_results(ask_bucket(journey_bucket, YEAR, named_queries))

    status = main(["--stack-name", STACK, "--region", REGION, "--json"])

    captured = capsys.readouterr()
    assert status == 0, captured.err
    report = json.loads(captured.out)
    assert report == expected(mysfit_ids)
    assert report["beforeLike"] == expected(mysfit_ids)["beforeLike"]
    assert list(report["funnelByMysfit"]) == list(expected(mysfit_ids)["funnelByMysfit"])


def test_a_stack_without_the_workgroup_output_says_to_deploy(aws, template, capsys):
    deploy(aws, template, outputs=False)

    status = main(["--stack-name", STACK, "--region", REGION])

    err = capsys.readouterr().err
    assert status == 2
    assert err == (
        f"report: error: stack '{STACK}' (CREATE_COMPLETE) has no output 'ClicksWorkGroupName'; "
        "deploy the current templates/clickstream.json\n"
    )


def test_a_workgroup_missing_a_question_says_which(aws, template, capsys):
    deploy(aws, template, questions=QUESTIONS[1:])

    status = main(["--stack-name", STACK, "--region", REGION])

    err = capsys.readouterr().err
    assert status == 2
    assert f"has no named query {QUESTIONS[0].key}:" in err and err.count("\n") == 1


def test_a_second_query_saved_under_a_questions_name_is_refused(aws, template, capsys):
    deployed = deploy(aws, template)
    aws.client("athena").create_named_query(
        Name=QUESTIONS[0].key,
        Database=deployed["database"],
        QueryString="SELECT 1",
        WorkGroup=deployed["workgroup"],
    )

    status = main(["--stack-name", STACK, "--region", REGION])

    err = capsys.readouterr().err
    assert status == 2
    assert f"has two different named queries {QUESTIONS[0].key} (" in err
    assert err.count("\n") == 1


def test_a_missing_stack_is_one_line(aws, capsys):
    status = main(["--stack-name", "nothing-here", "--region", REGION])

    assert status == 2
    assert capsys.readouterr().err == (
        f"report: error: stack 'nothing-here' does not exist in {REGION}\n"
    )


WINDOW = Window(date(2026, 11, 1), date(2026, 11, 30))


class ScanLimitedAthena:
    """moto's Athena client, except that GetQueryExecution answers as Athena does for a query
    the workgroup's BytesScannedCutoffPerQuery stopped: CANCELLED, with Athena's reason, having
    scanned the limit."""

    def __init__(self, client, limit: int) -> None:
        self._client, self._limit = client, limit

    def __getattr__(self, name):
        return getattr(self._client, name)

    def get_query_execution(self, **kwargs):
        answer = self._client.get_query_execution(**kwargs)
        execution = answer["QueryExecution"]
        execution["Status"] = {
            **execution["Status"],
            "State": "CANCELLED",
            "StateChangeReason": "Bytes scanned limit was exceeded",
        }
        execution["Statistics"]["DataScannedInBytes"] = self._limit
        return answer


class ScanLimitedSession:
    def __init__(self, session, limit: int) -> None:
        self._session, self._limit = session, limit

    def client(self, name: str):
        client = self._session.client(name)
        return ScanLimitedAthena(client, self._limit) if name == "athena" else client


def test_a_query_the_scan_limit_cancels_is_one_line_with_the_limit_and_window(
    aws, template, monkeypatch, capsys
):
    deploy(aws, template)
    limit = 1_073_741_824  # the template's default QueryScanLimitBytes
    monkeypatch.setattr(
        "boto3.session.Session", lambda region_name=None: ScanLimitedSession(aws, limit)
    )

    status = main(["--stack-name", STACK, "--region", REGION])
    status_with_window = main(
        [
            "--stack-name",
            STACK,
            "--region",
            REGION,
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-30",
        ]
    )

    err = capsys.readouterr().err
    assert status == status_with_window == 2
    first, second = err.splitlines()
    assert first.startswith(f"report: error: query {QUESTIONS[0].key} was cancelled at the ")
    assert second == (
        f"report: error: query {QUESTIONS[0].key} was cancelled at the workgroup's scan limit "
        "(1,073,741,824 bytes) over 2026-11-01 to 2026-11-30: narrow the window with "
        "--since/--until"
    )


@pytest.fixture
def queries_stay_running():
    state_manager.set_transition(
        model_name="athena::execution", transition={"progression": "manual", "times": 1000}
    )
    yield
    state_manager.unset_transition("athena::execution")


def test_a_failed_query_is_the_reports_error(aws, template, queries_stay_running):
    deploy(aws, template)
    backend = athena_backends[ACCOUNT][REGION]

    def athena_fails_one(_seconds: float) -> None:
        # What Athena does to a query over the workgroup's scan limit.
        execution = next(iter(backend.executions.values()))
        execution.status = "FAILED"

    with pytest.raises(ReportError, match=rf"query {QUESTIONS[0].key} \(.+\) failed"):
        ask_athena(STACK, WINDOW, region=REGION, session=aws, sleep=athena_fails_one)


def test_queries_still_running_at_the_timeout_are_an_error(aws, template, queries_stay_running):
    deploy(aws, template)
    waits = []

    with pytest.raises(ReportError, match="still running after"):
        ask_athena(STACK, WINDOW, region=REGION, session=aws, timeout=1e-6, sleep=waits.append)

    assert waits == []


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"QueryString": "SELECT * FROM clicks"}, "is not clickstream/queries/"),
        ({"Database": "someone_elses"}, "asks database 'someone_elses', not the stack's"),
    ],
    ids=["other-sql", "other-database"],
)
@pytest.mark.parametrize("question", [QUESTIONS[0], QUESTIONS[-1]], ids=lambda q: q.key)
def test_a_saved_query_that_is_not_the_repositorys_is_refused(
    aws, template, capsys, question, change, why
):
    deployed = deploy(aws, template, questions=[q for q in QUESTIONS if q != question])
    saved = {"QueryString": question.sql, "Database": deployed["database"]} | change
    aws.client("athena").create_named_query(
        Name=question.key, WorkGroup=deployed["workgroup"], **saved
    )

    status = main(["--stack-name", STACK, "--region", REGION])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"report: error: named query {question.key} (")
    assert why in err and err.count("\n") == 1
    athena = aws.client("athena")
    assert athena.list_query_executions(WorkGroup=deployed["workgroup"])["QueryExecutionIds"] == []


class FailingAthena:
    """Athena's client, but the first query answers as Athena does one that met a malformed
    row: FAILED, with the reason and error Athena gives (and its lines of advice)."""

    REASON = (
        "HIVE_BAD_DATA: Error parsing field value 'yesterday' for field 6: "
        "s3://bucket/clicks/year=2026/month=01/day=02/stream-1-2026-01-02-00-00-00-b\n"
        'This query ran against the "db" database, unless qualified by the query. Please post '
        "the error message on our forum or contact customer support with Query Id: x"
    )

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)

    def get_query_execution(self, QueryExecutionId):
        answer = self._client.get_query_execution(QueryExecutionId=QueryExecutionId)
        first = self._client.list_query_executions()["QueryExecutionIds"][-1]
        if QueryExecutionId == first:
            answer["QueryExecution"]["Status"] |= {
                "State": "FAILED",
                "StateChangeReason": self.REASON,
                "AthenaError": {"ErrorCategory": 2, "ErrorType": 1301, "Retryable": False},
            }
        return answer


class SessionWith:
    def __init__(self, session, wrap):
        self._session, self._wrap = session, wrap

    def client(self, name):
        client = self._session.client(name)
        return self._wrap(client) if name == "athena" else client


def test_a_query_athena_fails_on_a_malformed_row_is_one_line(aws, template):
    deploy(aws, template)
    with pytest.raises(ReportError) as raised:
        ask_athena(
            STACK,
            WINDOW,
            region=REGION,
            session=SessionWith(aws, FailingAthena),
            sleep=lambda _: None,
        )

    line = str(raised.value)
    assert "\n" not in line and "Please post" not in line
    assert line.startswith("a malformed click under the clicks table: query ")
    assert line.endswith(
        "failed: HIVE_BAD_DATA: Error parsing field value 'yesterday' for field 6: "
        "s3://bucket/clicks/year=2026/month=01/day=02/stream-1-2026-01-02-00-00-00-b"
    )


def test_clicks_without_a_time_on_athena_are_one_line_and_exit_2(aws, template, capsys):
    deploy(aws, template)
    # What Athena answers over a click with no clickedAt: from_iso8601_timestamp(NULL) is NULL.
    answers = {
        "totals": Answer(
            [
                "events",
                "profile_views",
                "likes",
                "adoptions",
                "visitors",
                "signed_in_users",
                "bot_events",
            ],
            [(2, 2, 0, 0, 1, 0, 0)],
        ),
        "funnelByMysfit": Answer(
            ["mysfitid", "name", "viewers", "likers", "adopters"], [("m", "Rujin", 1, 0, 0)]
        ),
        "beforeAdoption": Answer(
            [
                "adoptions",
                "median_profiles_viewed",
                "median_distinct_mysfits_viewed",
                "median_minutes_from_first_view",
                "adopted_without_viewing",
            ],
            [(0, None, None, None, 0)],
        ),
        "beforeLike": Answer(
            [
                "likes",
                "median_profiles_viewed",
                "median_distinct_mysfits_viewed",
                "median_minutes_from_first_view",
                "liked_without_viewing",
            ],
            [(0, None, None, None, 0)],
        ),
        "sessions": Answer(
            ["sessions", "median_events_per_session", "median_minutes", "bounce_rate"],
            [(2, 1.0, None, 1.0)],
        ),
        "clicksByMysfit": Answer(
            ["mysfitid", "name", "species", "clicks"], [("m", "Rujin", "Dragon", 2)]
        ),
        "clicksByAlignment": Answer(["goodevil", "lawchaos", "clicks"], [("Good", "Lawful", 2)]),
        "clicksByHour": Answer(["hour_utc", "clicks"], [(8, 1), (None, 1)]),
        "topMysfitsByDay": Answer(
            ["click_date", "day_rank", "mysfitid", "name", "clicks"],
            [("2026-01-02", 1, "m", "Rujin", 1), (None, 1, "m", "Rujin", 1)],
        ),
    }
    queue_results(answers)

    status = main(["--stack-name", STACK, "--region", REGION])

    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert "report: error: the clicks table holds clicks with no readable clickedAt" in captured.err
    assert captured.err.count("\n") == 2  # the bytes scanned, then the error


def test_the_page_from_athena_shows_the_journeys_answers(
    aws, template, named_queries, journey_bucket, mysfit_ids, tmp_path, capsys
):
    deploy(aws, template)
    queue_results(ask_bucket(journey_bucket, YEAR, named_queries))
    page = tmp_path / "report.html"

    status = main(["--stack-name", STACK, "--region", REGION, "--html", str(page), *YEAR_ARGS])

    err = capsys.readouterr().err
    assert status == 0, err
    assert err.splitlines()[-1] == f"report: wrote {page}"
    html = page.read_text(encoding="utf-8")
    want = expected(mysfit_ids)
    # What the journey's answers say, worked out by hand, as the page shows them.
    assert f"the named queries on Athena of stack <code>{STACK}</code>" in html
    like = html.split('id="before-like"', 1)[1].split("</section>", 1)[0]
    assert '<th scope="row">Median minutes from the first view</th>' in like
    assert '<data value="123.0">123</data>' in like
    assert want["beforeLike"]["medianMinutesFromFirstView"] == 123.0
    assert f'<data value="{want["totals"]["botEvents"]}">' in html.split('id="about"', 1)[1]
    assert all(mysfit_id not in html for mysfit_id in mysfit_ids.values())
