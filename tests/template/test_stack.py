"""One behaviour per test, asserted on the rendered template."""

from __future__ import annotations

import json
import re

import pytest

import clickstream.api
from clickstream.template import build_template


def ref(name: str) -> dict:
    return {"Ref": name}


def arn_of(name: str) -> dict:
    return {"Fn::GetAtt": [name, "Arn"]}


def statements(role: dict) -> dict[str, list[dict]]:
    return {
        p["PolicyName"]: p["PolicyDocument"]["Statement"] for p in role["Properties"]["Policies"]
    }


def actions(statement: dict) -> set[str]:
    value = statement["Action"]
    return {value} if isinstance(value, str) else set(value)


def role_trusting(of_type, service: str) -> dict:
    roles = [
        r
        for r in of_type("AWS::IAM::Role").values()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
        == [service]
        and "Condition" not in r
    ]
    assert len(roles) == 1
    return roles[0]


# --- Destination bucket -----------------------------------------------------------------------


def test_bucket_is_versioned(one):
    _, bucket = one("AWS::S3::Bucket")
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}


# --- Processor function -----------------------------------------------------------------------


def test_processor_runs_a_supported_python_on_arm64(one):
    _, function = one("AWS::Lambda::Function")
    major, minor = map(int, re.fullmatch(r"python(\d+)\.(\d+)", function["Runtime"]).groups())
    assert (major, minor) >= (3, 13)
    assert function["Architectures"] == ["arm64"]


def test_processor_code_comes_from_the_code_parameters(one):
    _, function = one("AWS::Lambda::Function")
    assert function["Code"] == {"S3Bucket": ref("LambdaCodeBucket"), "S3Key": ref("LambdaCodeKey")}


def test_processor_timeout_fits_a_full_batch_inside_firehose_wait(one):
    _, function = one("AWS::Lambda::Function")
    assert 60 <= function["Timeout"] < 300


def test_processor_is_told_the_mysfits_api_url(one):
    _, function = one("AWS::Lambda::Function")
    assert function["Environment"]["Variables"]["MYSFITS_API_URL"] == ref("MysfitsApiUrl")


def test_processor_is_told_the_table_arn_which_names_its_region(one):
    _, function = one("AWS::Lambda::Function")
    assert function["Environment"]["Variables"]["MYSFITS_TABLE_ARN"] == ref("MysfitsTableArn")


def test_processor_role_reads_only_the_mysfits_table(one, resources):
    _, function = one("AWS::Lambda::Function")
    role = resources[function["Role"]["Fn::GetAtt"][0]]
    dynamodb = [
        s
        for group in statements(role).values()
        for s in group
        if any(a.startswith("dynamodb:") for a in actions(s))
    ]
    assert [(actions(s), s["Resource"]) for s in dynamodb] == [
        ({"dynamodb:BatchGetItem"}, [ref("MysfitsTableArn")])
    ]


def test_processor_role_writes_its_own_log_group(one, resources):
    _, function = one("AWS::Lambda::Function")
    role = resources[function["Role"]["Fn::GetAtt"][0]]
    group = function["LoggingConfig"]["LogGroup"]
    logs = [s for g in statements(role).values() for s in g if "logs:PutLogEvents" in actions(s)]
    assert len(logs) == 1
    assert actions(logs[0]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert logs[0]["Resource"][0]["Fn::Sub"][1]["Group"] == group


# --- Delivery role ----------------------------------------------------------------------------


def test_delivery_role_trusts_firehose_for_this_account_only(of_type):
    role = role_trusting(of_type, "firehose.amazonaws.com")
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": ref("AWS::AccountId")}}


def test_delivery_role_has_the_six_s3_actions_on_the_bucket_and_where_firehose_writes(of_type, one):
    bucket_name, _ = one("AWS::S3::Bucket")
    _, stream = one("AWS::KinesisFirehose::DeliveryStream")
    destination = stream["ExtendedS3DestinationConfiguration"]
    role = role_trusting(of_type, "firehose.amazonaws.com")
    s3 = [s for g in statements(role).values() for s in g if any("s3:" in a for a in actions(s))]
    assert len(s3) == 1
    assert actions(s3[0]) == {
        "s3:AbortMultipartUpload",
        "s3:GetObject",
        "s3:GetBucketLocation",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:PutObject",
    }
    # The stream's two prefixes' folders before their first expression: clicks/ and errors/.
    fixed = [destination[key].split("!{")[0] for key in ("Prefix", "ErrorOutputPrefix")]
    folders = [text[: text.rfind("/") + 1] for text in fixed]
    assert folders == ["clicks/", "errors/"]
    assert s3[0]["Resource"] == [
        arn_of(bucket_name),
        *(
            {"Fn::Sub": [f"${{Bucket}}/{folder}*", {"Bucket": arn_of(bucket_name)}]}
            for folder in folders
        ),
    ]


def test_delivery_role_cannot_write_the_query_results(of_type, one):
    _, workgroup = one("AWS::Athena::WorkGroup")
    location = workgroup["WorkGroupConfiguration"]["ResultConfiguration"]["OutputLocation"]
    results = location["Fn::Sub"][0].removeprefix("s3://${Bucket}/")
    role = role_trusting(of_type, "firehose.amazonaws.com")
    objects = [
        r["Fn::Sub"][0].removeprefix("${Bucket}/").removesuffix("*")
        for g in statements(role).values()
        for s in g
        if "s3:PutObject" in actions(s)
        for r in s["Resource"]
        if "Fn::Sub" in r
    ]
    assert objects and not any(results.startswith(prefix) for prefix in objects)


def test_delivery_role_reads_only_the_clicks_tables_schema(of_type, one):
    database_name, _ = one("AWS::Glue::Database")
    table_name, _ = one("AWS::Glue::Table")
    role = role_trusting(of_type, "firehose.amazonaws.com")
    glue = [
        s for g in statements(role).values() for s in g if any("glue:" in a for a in actions(s))
    ]
    (statement,) = glue
    assert actions(statement) == {"glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"}
    arn = "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:"
    assert statement["Resource"] == [
        {"Fn::Sub": arn + "catalog"},
        {"Fn::Sub": [arn + "database/${Database}", {"Database": ref(database_name)}]},
        {
            "Fn::Sub": [
                arn + "table/${Database}/${Table}",
                {"Database": ref(database_name), "Table": ref(table_name)},
            ]
        },
    ]


def test_delivery_role_invokes_only_the_processor(of_type, one):
    function_name, _ = one("AWS::Lambda::Function")
    role = role_trusting(of_type, "firehose.amazonaws.com")
    invoke = [
        s for g in statements(role).values() for s in g if any("lambda:" in a for a in actions(s))
    ]
    assert [(actions(s), s["Resource"]) for s in invoke] == [
        (
            {"lambda:InvokeFunction", "lambda:GetFunctionConfiguration"},
            [arn_of(function_name)],
        )
    ]


# --- Delivery stream --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def destination(one) -> dict:
    _, stream = one("AWS::KinesisFirehose::DeliveryStream")
    return stream["ExtendedS3DestinationConfiguration"]


def test_stream_is_direct_put(one):
    _, stream = one("AWS::KinesisFirehose::DeliveryStream")
    assert stream["DeliveryStreamType"] == "DirectPut"


def test_stream_buffers_60_seconds_or_at_least_what_conversion_requires(destination):
    hints = destination["BufferingHints"]
    assert hints["IntervalInSeconds"] == 60
    # CreateDeliveryStream: "BufferingHints.SizeInMBs must be at least 64 when data format
    # conversion is enabled"; 128 is BufferingHints' own maximum (cfn-lint checks it too).
    assert destination["DataFormatConversionConfiguration"]["Enabled"] is True
    assert 64 <= hints["SizeInMBs"] <= 128


def test_stream_converts_to_parquet_by_this_stacks_clicks_table(destination, one, of_type):
    database_name, _ = one("AWS::Glue::Database")
    table_name, _ = one("AWS::Glue::Table")
    (role_name,) = [
        name
        for name, role in of_type("AWS::IAM::Role").items()
        if role is role_trusting(of_type, "firehose.amazonaws.com")
    ]
    conversion = destination["DataFormatConversionConfiguration"]
    assert conversion["SchemaConfiguration"] == {
        "CatalogId": ref("AWS::AccountId"),
        "Region": ref("AWS::Region"),
        "DatabaseName": ref(database_name),
        "TableName": ref(table_name),
        "VersionId": "LATEST",
        "RoleARN": arn_of(role_name),
    }
    assert conversion["OutputFormatConfiguration"] == {
        "Serializer": {"ParquetSerDe": {"Compression": "SNAPPY"}}
    }
    # OpenX reads the processor's clickedAt (2026-11-27T17:19:01.123Z) as a timestamp.
    assert conversion["InputFormatConfiguration"] == {
        "Deserializer": {"OpenXJsonSerDe": {"CaseInsensitive": True}}
    }
    # Conversion compresses inside the files; the destination's own must stay off.
    assert destination["CompressionFormat"] == "UNCOMPRESSED"


def test_stream_writes_clicks_under_their_own_prefix(destination):
    assert destination["Prefix"].startswith("clicks/")


def test_failed_records_land_apart_under_the_error_output_type(destination):
    error_prefix = destination["ErrorOutputPrefix"]
    assert "!{firehose:error-output-type}" in error_prefix
    assert not error_prefix.startswith(destination["Prefix"])


def test_stream_runs_the_processor_with_explicit_parameters(destination, one):
    function_name, _ = one("AWS::Lambda::Function")
    config = destination["ProcessingConfiguration"]
    assert config["Enabled"] is True
    (processor,) = config["Processors"]
    assert processor["Type"] == "Lambda"
    parameters = {p["ParameterName"]: p["ParameterValue"] for p in processor["Parameters"]}
    assert set(parameters) == {
        "LambdaArn",
        "BufferSizeInMBs",
        "BufferIntervalInSeconds",
        "NumberOfRetries",
    }
    assert parameters["LambdaArn"] == arn_of(function_name)
    # ProcessorParameter values are strings; numbers are in the documented ranges.
    assert 0.2 <= float(parameters["BufferSizeInMBs"]) <= 3
    assert 0 <= int(parameters["BufferIntervalInSeconds"]) <= 900


# --- API role ---------------------------------------------------------------------------------


def test_api_role_puts_records_into_this_stream_only(of_type, one):
    stream_name, _ = one("AWS::KinesisFirehose::DeliveryStream")
    role = role_trusting(of_type, "apigateway.amazonaws.com")
    all_statements = [s for g in statements(role).values() for s in g]
    assert [(actions(s), s["Resource"]) for s in all_statements] == [
        ({"firehose:PutRecord"}, [arn_of(stream_name)])
    ]


# --- REST API ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["/clicks", "/clicks/signed-in"])
def methods(method, request) -> dict[str, dict]:
    """Each path's methods by verb: every test of them holds for both."""
    return {verb: method(request.param, verb)[1] for verb in ("PUT", "OPTIONS")}


def test_api_is_regional(one):
    _, api = one("AWS::ApiGateway::RestApi")
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}


def test_clicks_resource_hangs_off_the_root(one, resources):
    api_name, _ = one("AWS::ApiGateway::RestApi")
    resource = resources["ClicksResource"]["Properties"]
    assert resource["PathPart"] == "clicks"
    assert resource["ParentId"] == {"Fn::GetAtt": [api_name, "RootResourceId"]}
    signed_in = resources["SignedInClicksResource"]["Properties"]
    assert (signed_in["PathPart"], signed_in["ParentId"]) == ("signed-in", ref("ClicksResource"))


def test_only_put_and_options_exist_on_each_path(of_type, method):
    found = set(of_type("AWS::ApiGateway::Method"))
    assert found == {
        method(path, verb)[0]
        for path in ("/clicks", "/clicks/signed-in")
        for verb in ("PUT", "OPTIONS")
    }


def test_put_is_a_post_to_firehose_put_record(methods):
    integration = methods["PUT"]["Integration"]
    assert integration["Type"] == "AWS"
    assert integration["IntegrationHttpMethod"] == "POST"
    assert integration["Uri"] == {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:firehose:action/PutRecord"
    }


def test_put_sends_firehose_json_content_type(methods):
    params = methods["PUT"]["Integration"]["RequestParameters"]
    assert params == {"integration.request.header.Content-Type": "'application/x-amz-json-1.1'"}


def test_put_mapping_template_names_the_stream_and_encodes_the_record(methods, one):
    stream_name, _ = one("AWS::KinesisFirehose::DeliveryStream")
    templates = methods["PUT"]["Integration"]["RequestTemplates"]
    assert list(templates) == ["application/json"]
    text, variables = templates["application/json"]["Fn::Sub"]
    assert variables == {"Stream": ref(stream_name)}
    # Its last line is the PutRecord request; the lines before it build $record.
    last = text.replace("${Stream}", "clicks-stream").splitlines()[-1]
    assert last == (
        '{"DeliveryStreamName": "clicks-stream", "Record": {"Data": "$util.base64Encode($record)"}}'
    )


def test_put_never_passes_an_unmapped_content_type_through(methods):
    assert methods["PUT"]["Integration"]["PassthroughBehavior"] == "NEVER"


def test_put_uses_the_api_role(methods, of_type):
    role = role_trusting(of_type, "apigateway.amazonaws.com")
    name = next(k for k, v in of_type("AWS::IAM::Role").items() if v is role)
    assert methods["PUT"]["Integration"]["Credentials"] == arn_of(name)


def selected_status(responses: list[dict], backend_status: int) -> str:
    """What API Gateway answers for a backend status: first matching pattern, else default."""
    for response in responses:
        pattern = response.get("SelectionPattern")
        if pattern and re.fullmatch(pattern, str(backend_status)):
            return response["StatusCode"]
    (default,) = [r for r in responses if "SelectionPattern" not in r]
    return default["StatusCode"]


def test_put_success_answers_200_status_ok(methods):
    responses = methods["PUT"]["Integration"]["IntegrationResponses"]
    assert selected_status(responses, 200) == "200"
    (default,) = [r for r in responses if "SelectionPattern" not in r]
    assert json.loads(default["ResponseTemplates"]["application/json"]) == {"status": "OK"}


@pytest.mark.parametrize("backend_status", [400, 403, 404, 413, 429, 500, 502, 503, 504])
def test_firehose_errors_reach_the_page_as_5xx(methods, backend_status):
    responses = methods["PUT"]["Integration"]["IntegrationResponses"]
    assert selected_status(responses, backend_status).startswith("5")


def test_every_put_response_carries_the_cors_origin(methods):
    origin = {"Fn::Sub": ["'${Origin}'", {"Origin": ref("AllowedOrigin")}]}
    for response in methods["PUT"]["Integration"]["IntegrationResponses"]:
        header = response["ResponseParameters"][
            "method.response.header.Access-Control-Allow-Origin"
        ]
        assert header == origin
    declared = {r["StatusCode"]: r["ResponseParameters"] for r in methods["PUT"]["MethodResponses"]}
    for response in methods["PUT"]["Integration"]["IntegrationResponses"]:
        assert set(response["ResponseParameters"]) == set(declared[response["StatusCode"]])


def test_options_is_a_mock_preflight_with_cors_headers(methods):
    integration = methods["OPTIONS"]["Integration"]
    assert integration["Type"] == "MOCK"
    assert json.loads(integration["RequestTemplates"]["application/json"]) == {"statusCode": 200}
    (response,) = integration["IntegrationResponses"]
    headers = response["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Methods"] == "'OPTIONS,PUT'"
    assert "Content-Type" in headers["method.response.header.Access-Control-Allow-Headers"]
    assert "method.response.header.Access-Control-Allow-Origin" in headers


# --- Deployment -------------------------------------------------------------------------------


def test_stage_serves_a_deployment_of_this_api(one, of_type):
    api_name, _ = one("AWS::ApiGateway::RestApi")
    deployments = of_type("AWS::ApiGateway::Deployment")
    _, stage = one("AWS::ApiGateway::Stage")
    assert all(d["Properties"]["RestApiId"] == ref(api_name) for d in deployments.values())
    # One deployment per shape of the API, each under the condition that shape is in force.
    by_condition = {d["Condition"]: name for name, d in deployments.items()}
    assert stage["DeploymentId"] == {
        "Fn::If": [
            "SignedInClicksEnabled",
            ref(by_condition["SignedInClicksEnabled"]),
            ref(by_condition["AnonymousClicksOnly"]),
        ]
    }
    assert stage["StageName"] == ref("StageName")


def test_stage_name_defaults_to_prod(template):
    assert template["Parameters"]["StageName"]["Default"] == "prod"


def test_each_deployment_waits_for_every_method_of_its_shape(of_type):
    methods = of_type("AWS::ApiGateway::Method")
    for deployment in of_type("AWS::ApiGateway::Deployment").values():
        shape = {
            name
            for name, m in methods.items()
            if m.get("Condition") in (None, deployment["Condition"])
        }
        assert set(deployment["DependsOn"]) >= shape
        # A deployment never waits for a resource its condition leaves out.
        assert {methods[n].get("Condition") for n in deployment["DependsOn"] if n in methods} <= {
            None,
            deployment["Condition"],
        }


def deployment_id(template, shape: str = "AnonymousClicksOnly") -> str:
    (name,) = [
        k
        for k, v in template.to_dict()["Resources"].items()
        if v["Type"] == "AWS::ApiGateway::Deployment" and v["Condition"] == shape
    ]
    return name


def test_changing_a_method_makes_a_new_deployment(monkeypatch):
    before = deployment_id(build_template())
    monkeypatch.setattr(clickstream.api, "OK_BODY", '{"status":"recorded"}')
    after = deployment_id(build_template())
    assert before != after


@pytest.mark.parametrize("shape", ["AnonymousClicksOnly", "SignedInClicksEnabled"])
def test_changing_the_model_makes_a_new_deployment(monkeypatch, shape):
    before = deployment_id(build_template(), shape)
    original = clickstream.api.click_schema
    monkeypatch.setattr(
        clickstream.api, "click_schema", lambda: {**original(), "title": "Another click"}
    )
    assert deployment_id(build_template(), shape) != before


def test_changing_the_signed_in_model_redeploys_only_that_shape(monkeypatch):
    before = {
        s: deployment_id(build_template(), s)
        for s in ("AnonymousClicksOnly", "SignedInClicksEnabled")
    }
    original = clickstream.api.signed_in_click_schema
    monkeypatch.setattr(
        clickstream.api, "signed_in_click_schema", lambda: {**original(), "title": "Another"}
    )
    after = {s: deployment_id(build_template(), s) for s in before}
    assert after["AnonymousClicksOnly"] == before["AnonymousClicksOnly"]
    assert after["SignedInClicksEnabled"] != before["SignedInClicksEnabled"]


def test_an_unchanged_api_keeps_its_deployment():
    assert deployment_id(build_template()) == deployment_id(build_template())


# --- Code repository --------------------------------------------------------------------------


def test_code_repository_is_off_by_default(template, one):
    name, _ = one("AWS::CodeCommit::Repository")
    condition = template["Resources"][name]["Condition"]
    parameter = template["Conditions"][condition]["Fn::Equals"][0]["Ref"]
    assert template["Parameters"][parameter]["Default"] == "false"


def test_clone_urls_are_output_only_with_the_repository(template, one):
    name, _ = one("AWS::CodeCommit::Repository")
    condition = template["Resources"][name]["Condition"]
    for output, attribute in [
        ("RepositoryCloneUrlHttp", "CloneUrlHttp"),
        ("RepositoryCloneUrlSsh", "CloneUrlSsh"),
    ]:
        assert template["Outputs"][output]["Condition"] == condition
        assert template["Outputs"][output]["Value"] == {"Fn::GetAtt": [name, attribute]}


# --- Outputs ----------------------------------------------------------------------------------


def test_streaming_api_endpoint_is_the_stage_base_url(template, one):
    api_name, _ = one("AWS::ApiGateway::RestApi")
    stage_name, _ = one("AWS::ApiGateway::Stage")
    text, variables = template["Outputs"]["StreamingApiEndpoint"]["Value"]["Fn::Sub"]
    assert variables == {"Api": ref(api_name), "Stage": ref(stage_name)}
    assert text == "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}"


@pytest.mark.parametrize(
    "output, kind",
    [
        ("ClicksBucketName", "AWS::S3::Bucket"),
        ("DeliveryStreamName", "AWS::KinesisFirehose::DeliveryStream"),
        ("ProcessorFunctionName", "AWS::Lambda::Function"),
    ],
)
def test_names_of_the_parts_are_output(template, one, output, kind):
    name, _ = one(kind)
    assert template["Outputs"][output]["Value"] == ref(name)


# --- Parameters -------------------------------------------------------------------------------


def matches(template, parameter: str, value: str) -> bool:
    # CloudFormation anchors AllowedPattern to the whole value.
    return re.fullmatch(template["Parameters"][parameter]["AllowedPattern"], value) is not None


@pytest.mark.parametrize(
    "value, ok",
    [
        ("arn:aws:dynamodb:us-east-1:123456789012:table/MysfitsTable", True),
        ("arn:aws-cn:dynamodb:cn-north-1:123456789012:table/my.table_1", True),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/MysfitsTable/stream/2020", False),
        ("arn:aws:s3:::MysfitsTable", False),
        ("MysfitsTable", False),
        ("arn:aws:dynamodb:us-east-1:12345:table/MysfitsTable", False),
    ],
)
def test_table_arn_parameter_accepts_only_a_table_arn(template, value, ok):
    assert matches(template, "MysfitsTableArn", value) is ok


@pytest.mark.parametrize(
    "value, ok",
    [
        ("https://abc123.execute-api.us-east-1.amazonaws.com/prod", True),
        ("https://abc123.execute-api.us-east-1.amazonaws.com/prod/", True),
        # Over http://, anyone on the path could rewrite the catalog every click is enriched from.
        ("http://127.0.0.1:8080", False),
        ("http://abc123.execute-api.us-east-1.amazonaws.com/prod", False),
        ("ftp://example.com", False),
        ("https://", False),
        ("example.com/prod", False),
    ],
)
def test_api_url_parameter_accepts_https_only_with_or_without_slash(template, value, ok):
    assert matches(template, "MysfitsApiUrl", value) is ok


def test_every_parameter_is_described_and_grouped(template):
    interface = template["Metadata"]["AWS::CloudFormation::Interface"]
    grouped = [p for g in interface["ParameterGroups"] for p in g["Parameters"]]
    assert sorted(grouped) == sorted(template["Parameters"])
    for name, parameter in template["Parameters"].items():
        assert parameter["Description"], name
        assert name in interface["ParameterLabels"]
