"""What AWS does on a stack update or a first create, as far as the template decides it.

API Gateway serves a snapshot: a stage runs the Deployment it points at, taken when that
Deployment was created; a change to an authorizer takes effect only with a new one ("Updates to
REST APIs that require redeployment"). CloudFormation creates a new Deployment only for a new
logical id or a change of a property whose update requires replacement (RestApiId,
DeploymentCanarySettings; Description and StageDescription are updated in place): the
AWS::ApiGateway::Deployment reference. A stage's variables are the stage's own settings, read on
each request; a Cognito authorizer may name its pool through one ("Integrate a REST API with an
Amazon Cognito user pool").
"""

from __future__ import annotations

from pathlib import Path

from clickstream.local.cloudformation import ResolvedTemplate
from tests.template.test_signed_in import POOL, resolved

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")

# Another pool of the same account and region, and one of another account.
OTHER_POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_ZyXwVu987"
FOREIGN_POOL = "arn:aws:cognito-idp:eu-west-1:210987654321:userpool/eu-west-1_Q1w2E3r4T"

# AWS::ApiGateway::Deployment properties whose change makes CloudFormation replace it.
REPLACING = ("RestApiId", "DeploymentCanarySettings")


def stage_of(stack: ResolvedTemplate) -> dict:
    ((_, stage),) = stack.of_type("AWS::ApiGateway::Stage")
    return stage


def served_deployment(stack: ResolvedTemplate) -> str:
    """The logical id of the Deployment the stage runs."""
    (logical_id,) = [
        i
        for i, _ in stack.of_type("AWS::ApiGateway::Deployment")
        if stack.physical_name(i) == stage_of(stack)["DeploymentId"]
    ]
    return logical_id


def authorizer_arns(stack: ResolvedTemplate) -> list[str]:
    authorizers = [a for _, a in stack.of_type("AWS::ApiGateway::Authorizer")]
    return [arn for authorizer in authorizers for arn in authorizer["ProviderARNs"]]


def with_variables(arn: str, variables: dict) -> str:
    for name, value in variables.items():
        arn = arn.replace("${stageVariables." + name + "}", str(value))
    return arn


def pools_checked_after_update(template: dict, before: str, after: str) -> list[str]:
    """The user pools the stage checks after a stack update of CognitoUserPoolArn from ``before``
    to ``after``: the authorizer as its Deployment's snapshot holds it (the one taken under
    ``before`` unless CloudFormation makes a new Deployment), read with the stage's variables as
    the update leaves them."""
    old, new = resolved(template, before), resolved(template, after)
    old_id, new_id = served_deployment(old), served_deployment(new)
    kept = old_id == new_id and all(
        old.properties(old_id).get(key) == new.properties(new_id).get(key) for key in REPLACING
    )
    snapshot = authorizer_arns(old if kept else new)
    variables = stage_of(new).get("Variables") or {}
    return [with_variables(arn, variables) for arn in snapshot]


def test_the_stage_checks_the_pool_it_was_deployed_with(template) -> None:
    assert pools_checked_after_update(template, "", POOL) == [POOL]


def test_switching_to_another_pool_reaches_the_stage_without_a_new_deployment(template) -> None:
    # GIVEN a stack whose stage checks POOL
    # WHEN an update sets CognitoUserPoolArn to another pool of the account and region
    checked = pools_checked_after_update(template, POOL, OTHER_POOL)

    # THEN the stage checks the new pool, and only it
    assert checked == [OTHER_POOL]
    # AND it does so through the deployment it already had (nothing to redeploy by hand)
    assert served_deployment(resolved(template, POOL)) == served_deployment(
        resolved(template, OTHER_POOL)
    )


def test_the_authorizer_names_its_pool_through_the_stage_variable(template) -> None:
    stack = resolved(template, POOL)

    (arn,) = authorizer_arns(stack)
    # API Gateway's documented form: arn:…:userpool/${stageVariables.<name>}
    assert arn == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/${stageVariables.CognitoUserPoolId}"
    )
    assert stage_of(stack)["Variables"] == {"CognitoUserPoolId": "us-east-1_AbCdEf123"}


def test_without_a_pool_the_stage_has_no_pool_variable(template) -> None:
    assert "Variables" not in stage_of(resolved(template, ""))


def test_a_pool_of_another_account_or_region_changes_the_authorizer_itself(template) -> None:
    """What the stage variable cannot carry: the README's update steps redeploy for it."""
    checked = pools_checked_after_update(template, POOL, FOREIGN_POOL)

    # The deployed snapshot keeps the old account and region, with the new pool's id.
    assert checked == ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/eu-west-1_Q1w2E3r4T"]
    assert authorizer_arns(resolved(template, FOREIGN_POOL)) == [
        "arn:aws:cognito-idp:eu-west-1:210987654321:userpool/${stageVariables.CognitoUserPoolId}"
    ]


def update_steps() -> str:
    """The README's paragraphs on updating a deployed stack."""
    section = README.split("\n### Updating the stack\n", 1)[1]
    return section.split("\n#", 1)[0]


def test_the_readme_redeploys_the_stage_by_its_real_name_after_clearing_the_pool() -> None:
    """Clearing CognitoUserPoolArn: CloudFormation takes the anonymous deployment before its
    cleanup pass deletes the signed-in method, so only a deployment taken afterwards drops it."""
    steps = update_steps()

    assert "Clearing `CognitoUserPoolArn`" in steps
    assert 'aws apigateway create-deployment --rest-api-id "$API_ID" --stage-name "$STAGE"' in steps
    # The stage's name and the API's id come from the stack, never a guess.
    assert "--query \"Stacks[0].Parameters[?ParameterKey=='StageName'].ParameterValue\"" in steps
    assert "--logical-resource-id ClicksApi" in steps
    assert "--stage-name prod" not in README
    # The claim the cleanup pass disproves is gone.
    assert "by a stack update alone" not in README


def test_the_readme_cites_the_aws_pages_the_update_steps_rest_on() -> None:
    steps = update_steps()

    for page in (
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/updating-api.html",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-deployment.html",
    ):
        assert page in steps, page


# --- The first create: Firehose checks the clicks table with the delivery role -------------------


def role_of(stream: dict) -> str:
    destination = stream["Properties"]["ExtendedS3DestinationConfiguration"]
    schema = destination["DataFormatConversionConfiguration"]["SchemaConfiguration"]
    # The same role delivers and reads the schema.
    assert schema["RoleARN"] == destination["RoleARN"]
    return destination["RoleARN"]["Fn::GetAtt"][0]


def glue_actions(document: dict) -> set[str]:
    return {
        action
        for statement in document["Statement"]
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
        if action.startswith("glue:")
    }


def test_the_delivery_roles_glue_permission_exists_before_the_stream(template, of_type) -> None:
    """Every policy that lets the stream's role read the table is created before the stream:
    inline in the role the stream names (created with it), or a policy the stream depends on."""
    resources = template["Resources"]
    for stream_id, stream in of_type("AWS::KinesisFirehose::DeliveryStream").items():
        role_id = role_of(stream)
        depends = set(stream.get("DependsOn", []))
        inline = resources[role_id]["Properties"].get("Policies", [])
        separate = [
            (policy_id, policy["Properties"]["PolicyDocument"])
            for policy_id, policy in resources.items()
            if policy["Type"]
            in ("AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::ManagedPolicy")
            and {"Ref": role_id}
            in [*policy["Properties"].get("Roles", []), policy["Properties"].get("RoleName")]
        ]
        for policy_id, document in separate:
            if glue_actions(document):
                assert policy_id in depends, f"{stream_id} must DependsOn {policy_id}"
        granted = set().union(
            *(glue_actions(p["PolicyDocument"]) for p in inline),
            *(glue_actions(document) for _, document in separate),
        )
        assert {"glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"} <= granted


def test_the_readme_says_what_to_do_when_the_first_create_fails_on_glue() -> None:
    section = README.split("\n### If the first deploy fails on the delivery stream\n", 1)[1]
    section = section.split("\n#", 1)[0]

    # IAM propagation: deploy again.
    assert "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html" in section
    # Lake Formation: grant the delivery role on the table, with the stack's own names.
    assert "aws lakeformation grant-permissions" in section
    assert "--logical-resource-id DeliveryRole" in section
    assert "--logical-resource-id ClicksDatabase" in section
    assert "https://docs.aws.amazon.com/lake-formation/latest/dg/" in section
    assert "--disable-rollback" in section
