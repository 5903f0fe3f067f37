"""The config-writer: render_config_js and the command that reads the deployed stack (on moto)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from clickstream.commands.sitepolicy import meta_policy, origin, site_policy
from clickstream.commands.webconfig import (
    CognitoSettings,
    main,
    render_config_js,
    write_config_from_stack,
)
from tests.fake_aws import use_fake_credentials

REGION = "eu-west-1"
STREAMING = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
MYSFITS = "https://mysfits.example.com/api/"
USER_POOL = "eu-west-1_Ab12Cd34E"
CLIENT = "5k1n2o3p4q5r6s7t8u9v0w1x2y"
NO_COGNITO = {
    "cognitoRegion": "",
    "cognitoUserPoolId": "",
    "cognitoUserPoolClientId": "",
    "cognitoEndpoint": "",
}
FROM_COGNITO_STACK = {
    "cognitoRegion": "eu-west-1",
    "cognitoUserPoolId": USER_POOL,
    "cognitoUserPoolClientId": CLIENT,
    "cognitoEndpoint": "",
}

REPO = Path(__file__).resolve().parents[2]
COMMITTED_CONFIG = REPO / "web" / "config.js"
PAGES = sorted((REPO / "web").glob("*.html"))
META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def meta_of(html: str) -> dict[str, list[str]]:
    (content,) = META.findall(html)
    return directives(content)


def site_copy(tmp_path: Path) -> Path:
    """The committed pages and config.js in a folder of their own."""
    site = tmp_path / "site"
    site.mkdir()
    for page in [*PAGES, COMMITTED_CONFIG]:
        (site / page.name).write_bytes(page.read_bytes())
    return site


def config_values(text: str) -> dict[str, str]:
    """The `key: "json string",` pairs of a config.js, decoded as the browser would read them."""
    assert text.count("export default Object.freeze({") == 1
    pairs = re.findall(r'^  (\w+): ("(?:[^"\\]|\\.)*"),$', text, flags=re.MULTILINE)
    return {key: json.loads(value) for key, value in pairs}


def tiny_template(*, with_output: bool = True, with_parameter: bool = True) -> str:
    template: dict = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    if with_parameter:
        template["Parameters"] = {"MysfitsApiUrl": {"Type": "String"}}
    if with_output:
        template["Outputs"] = {"StreamingApiEndpoint": {"Value": STREAMING}}
    return json.dumps(template)


@pytest.fixture
def aws(monkeypatch):
    use_fake_credentials(monkeypatch, REGION)
    with mock_aws():
        client = boto3.client("cloudformation", region_name=REGION)
        create_cognito_stack(client, "MythicalMysfits-Cognito")
        yield client


def create_cognito_stack(client, name: str, outputs: dict[str, str] | None = None) -> None:
    """A stack with the outputs the workshop's Cognito stack has."""
    if outputs is None:
        outputs = {"CognitoUserPool": USER_POOL, "CognitoUserPoolClient": CLIENT}
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    client.create_stack(StackName=name, TemplateBody=json.dumps(template))


def create_stack(client, name: str, **template_options) -> None:
    parameters = []
    if template_options.get("with_parameter", True):
        parameters = [{"ParameterKey": "MysfitsApiUrl", "ParameterValue": MYSFITS}]
    client.create_stack(
        StackName=name, TemplateBody=tiny_template(**template_options), Parameters=parameters
    )


# render_config_js


def test_render_gives_both_endpoints_without_trailing_slashes():
    text = render_config_js("https://m.example/api//", "https://s.example/prod/")

    assert config_values(text) == {
        "mysfitsApiEndpoint": "https://m.example/api",
        "streamingApiEndpoint": "https://s.example/prod",
        **NO_COGNITO,
    }


def test_render_gives_the_user_pool_and_its_region():
    cognito = CognitoSettings("us-west-2_XyZ987", "abc123def456", "http://127.0.0.1:8003/")

    values = config_values(render_config_js("https://m.example", "https://s.example", cognito))

    assert values["cognitoRegion"] == "us-west-2"
    assert values["cognitoUserPoolId"] == "us-west-2_XyZ987"
    assert values["cognitoUserPoolClientId"] == "abc123def456"
    assert values["cognitoEndpoint"] == "http://127.0.0.1:8003"


@pytest.mark.parametrize(
    ("pool", "client"),
    [("us-east-1", "abc"), ("us-east-1_bad pool", "abc"), ("us-east-1_Ab1", "a b"), ("x_1", "")],
)
def test_cognito_settings_refuse_what_cognito_would(pool, client):
    with pytest.raises(ValueError):
        CognitoSettings(pool, client)


def test_render_escapes_values_as_json_strings():
    tricky = 'https://m.example/a"b\\c\u2028d</script>'

    text = render_config_js(tricky, "http://127.0.0.1:8080/prod")

    assert "\u2028" not in text
    assert config_values(text)["mysfitsApiEndpoint"] == tricky


def test_render_is_deterministic():
    assert render_config_js("https://a.example", "https://b.example/prod") == render_config_js(
        "https://a.example", "https://b.example/prod"
    )


@pytest.mark.parametrize("bad", ["ftp://x.example", "not a url", "https://x.example/?q=1", "//x"])
def test_render_rejects_what_is_not_an_http_endpoint(bad):
    with pytest.raises(ValueError, match="http"):
        render_config_js(bad, "https://s.example/prod")


def test_committed_config_is_the_not_configured_placeholder():
    assert config_values(COMMITTED_CONFIG.read_text(encoding="utf-8")) == {
        "mysfitsApiEndpoint": "",
        "streamingApiEndpoint": "",
        **NO_COGNITO,
    }


def test_committed_pages_carry_the_not_configured_policy_before_their_scripts():
    assert [p.name for p in PAGES] == ["confirm.html", "index.html", "register.html"]
    for page in PAGES:
        html = page.read_text(encoding="utf-8")
        assert meta_of(html) == directives(meta_policy(site_policy([]))), page.name
        assert meta_of(html)["connect-src"] == ["'none'"]
        # A meta policy covers only what comes after it.
        assert html.index('http-equiv="Content-Security-Policy"') < html.index("<script"), page


# write_config_from_stack / main against moto's CloudFormation


def test_writes_each_page_s_policy_for_the_stack_s_origins(aws, tmp_path, capsys):
    create_stack(aws, "clicks")
    site = site_copy(tmp_path)

    code = main(["--stack-name", "clicks", "--region", REGION, "--output", str(site / "config.js")])

    assert code == 0
    out = capsys.readouterr().out
    for page in PAGES:
        assert str(site / page.name) in out
        policy = meta_of((site / page.name).read_text(encoding="utf-8"))
        assert policy["connect-src"] == [
            "https://abc123.execute-api.eu-west-1.amazonaws.com",
            "https://mysfits.example.com",
            "https://cognito-idp.eu-west-1.amazonaws.com",
        ]
        assert policy["img-src"] == ["'self'", "https:"]
        assert policy["trusted-types"] == ["'none'"]
        assert "frame-ancestors" not in policy


def test_a_page_without_the_policy_tag_is_one_clear_line_and_nothing_is_written(
    aws, tmp_path, capsys
):
    create_stack(aws, "clicks")
    site = site_copy(tmp_path)
    (site / "extra.html").write_text("<!doctype html><title>x</title>\n")
    before = {p.name: p.read_bytes() for p in site.iterdir()}

    code = main(["--stack-name", "clicks", "--region", REGION, "--output", str(site / "config.js")])

    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "extra.html" in err, err
    assert {p.name: p.read_bytes() for p in site.iterdir()} == before


def test_writes_config_from_stack_output_and_parameter(aws, tmp_path):
    create_stack(aws, "clicks")
    output = tmp_path / "site" / "config.js"

    written = write_config_from_stack("clicks", region=REGION, output=output)

    assert written == [output]
    assert config_values(output.read_text(encoding="utf-8")) == {
        "mysfitsApiEndpoint": "https://mysfits.example.com/api",
        "streamingApiEndpoint": STREAMING,
        **FROM_COGNITO_STACK,
    }


def test_user_pool_flags_need_no_cognito_stack(aws, tmp_path):
    aws.delete_stack(StackName="MythicalMysfits-Cognito")
    create_stack(aws, "clicks")
    output = tmp_path / "config.js"

    code = main(
        [
            "--stack-name", "clicks", "--region", REGION, "--output", str(output),
            "--user-pool-id", "eu-west-1_Flag123", "--user-pool-client-id", "flagclient1",
        ]
    )  # fmt: skip

    assert code == 0
    values = config_values(output.read_text())
    assert values["cognitoUserPoolId"] == "eu-west-1_Flag123"
    assert values["cognitoUserPoolClientId"] == "flagclient1"


def test_cognito_stack_by_another_name(aws, tmp_path):
    create_stack(aws, "clicks")
    create_cognito_stack(
        aws, "my-cognito", {"CognitoUserPool": "eu-west-1_Other9", "CognitoUserPoolClient": "c9"}
    )
    output = tmp_path / "config.js"

    code = main(
        ["--stack-name", "clicks", "--cognito-stack", "my-cognito", "--output", str(output)]
    )

    assert code == 0
    assert config_values(output.read_text())["cognitoUserPoolId"] == "eu-west-1_Other9"


def test_uses_the_client_it_is_given(aws, tmp_path):
    create_stack(aws, "clicks")

    write_config_from_stack(
        "clicks", region=None, output=tmp_path / "config.js", cloudformation_client=aws
    )

    assert config_values((tmp_path / "config.js").read_text())["streamingApiEndpoint"] == STREAMING


def test_main_writes_and_exits_zero(aws, tmp_path, capsys):
    create_stack(aws, "clicks")
    output = tmp_path / "config.js"

    code = main(["--stack-name", "clicks", "--region", REGION, "--output", str(output)])

    assert code == 0
    assert config_values(output.read_text())["streamingApiEndpoint"] == STREAMING
    assert str(output) in capsys.readouterr().out


def assert_failed_cleanly(code: int, capsys, output: Path, *expected_words: str) -> None:
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    for word in expected_words:
        assert word in err
    assert output.read_text() == "previous\n", "the existing file must be left as it was"
    assert sorted(p.name for p in output.parent.iterdir()) == ["config.js"], "no temporary left"


@pytest.fixture
def existing_output(tmp_path) -> Path:
    output = tmp_path / "config.js"
    output.write_text("previous\n")
    return output


def test_missing_stack_is_one_clear_line(aws, existing_output, capsys):
    code = main(["--stack-name", "nope", "--region", REGION, "--output", str(existing_output)])

    assert_failed_cleanly(code, capsys, existing_output, "'nope'", "does not exist", REGION)


def test_missing_output_is_one_clear_line(aws, existing_output, capsys):
    create_stack(aws, "other", with_output=False)

    code = main(["--stack-name", "other", "--region", REGION, "--output", str(existing_output)])

    assert_failed_cleanly(code, capsys, existing_output, "'other'", "StreamingApiEndpoint")


def test_missing_parameter_is_one_clear_line(aws, existing_output, capsys):
    create_stack(aws, "other", with_parameter=False)

    code = main(["--stack-name", "other", "--region", REGION, "--output", str(existing_output)])

    assert_failed_cleanly(code, capsys, existing_output, "'other'", "MysfitsApiUrl")


def test_missing_cognito_stack_is_one_clear_line(aws, existing_output, capsys):
    create_stack(aws, "clicks")
    aws.delete_stack(StackName="MythicalMysfits-Cognito")

    code = main(["--stack-name", "clicks", "--region", REGION, "--output", str(existing_output)])

    assert_failed_cleanly(code, capsys, existing_output, "'MythicalMysfits-Cognito'", "exist")


def test_cognito_stack_without_the_outputs_is_one_clear_line(aws, existing_output, capsys):
    create_stack(aws, "clicks")
    create_cognito_stack(aws, "half", {"CognitoUserPool": USER_POOL})

    code = main(
        ["--stack-name", "clicks", "--cognito-stack", "half", "--output", str(existing_output)]
    )

    assert_failed_cleanly(code, capsys, existing_output, "'half'", "CognitoUserPoolClient")


def test_one_user_pool_flag_without_the_other_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--stack-name", "clicks", "--user-pool-id", "eu-west-1_Ab1"])

    assert exit_info.value.code == 2
    assert "--user-pool-client-id" in capsys.readouterr().err


def test_without_boto3_the_command_says_what_to_install(tmp_path):
    # generate.py's own install has troposphere and awacs only: no boto3, no botocore.
    blocked = (
        "import sys; sys.modules['boto3'] = None; sys.modules['botocore'] = None; "
        "sys.argv = ['generate.py', 'web-config', '--stack-name', 'clicks', "
        f"'--output', {str(tmp_path / 'config.js')!r}]; "
        "import runpy; runpy.run_path('generate.py', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocked], cwd=REPO, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "web-config: error: reading the stacks needs boto3, which is not installed: "
        "python -m pip install boto3"
    ]
    assert not (tmp_path / "config.js").exists()


@pytest.fixture
def no_aws_environment(monkeypatch, tmp_path):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_no_region_is_one_clear_line(no_aws_environment, existing_output, capsys):
    code = main(["--stack-name", "clicks", "--output", str(existing_output)])

    assert_failed_cleanly(code, capsys, existing_output, "region")


def test_no_credentials_is_one_clear_line(no_aws_environment, existing_output, capsys):
    code = main(["--stack-name", "clicks", "--region", REGION, "--output", str(existing_output)])

    assert_failed_cleanly(code, capsys, existing_output, "credentials")


def test_stack_name_is_required(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])

    assert exit_info.value.code == 2
    assert "--stack-name" in capsys.readouterr().err


@pytest.mark.parametrize(
    "bad",
    ["https://user@m.example", 'https://m"x.example', "https://m.example:1:2", "https://[::1]"],
)
def test_an_endpoint_a_policy_cannot_name_is_refused(bad):
    with pytest.raises(ValueError, match="Content-Security-Policy"):
        origin(bad)
