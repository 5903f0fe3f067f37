"""Reading a deployed stack, the way every command does: one call, and one line when it fails.

boto3 is imported by the caller (lazily, so that ``generate.py`` itself needs only troposphere and
awacs); these functions take its CloudFormation client.
"""

from __future__ import annotations

from typing import Any

from clickstream.cli import CommandError


def describe_stack(client: Any, stack_name: str) -> dict[str, Any]:
    """The stack's description; raises CommandError with one line that says what to fix."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        if "does not exist" in message:
            region = client.meta.region_name
            raise CommandError(f"stack {stack_name!r} does not exist in {region}") from None
        raise CommandError(f"cannot describe stack {stack_name!r}: {message}") from None
    except NoCredentialsError:
        raise CommandError(
            "no AWS credentials found (set AWS_PROFILE or run aws configure)"
        ) from None
    except BotoCoreError as error:
        raise CommandError(f"cannot describe stack {stack_name!r}: {error}") from None
    if not stacks:
        raise CommandError(f"stack {stack_name!r} does not exist")
    return stacks[0]


def stack_value(
    stack: dict[str, Any],
    kind: str,
    name: str,
    *,
    what: str = "the click-streaming stack",
    fix: str | None = None,
) -> str:
    """The value of the stack's ``kind`` ("Output" or "Parameter") called ``name``; when it has
    none, the error ends with ``fix`` (by default: is it ``what``, fully deployed?)."""
    key_field, value_field = f"{kind}Key", f"{kind}Value"
    for entry in stack.get(f"{kind}s") or []:
        if entry.get(key_field) == name and entry.get(value_field):
            return entry[value_field]
    status = stack.get("StackStatus", "unknown status")
    raise CommandError(
        f"stack {stack['StackName']!r} ({status}) has no {kind.lower()} {name!r}; "
        + (fix or f"is it {what}, fully deployed?")
    )


def stack_outputs(stack: dict[str, Any]) -> dict[str, str]:
    """Every output of the stack by its key."""
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
