"""The site page's configuration file, ``web/config.js``, and the command that writes it.

The page imports ``./config.js`` as an ES module holding the two API endpoints it calls. The
command reads them from the deployed click-streaming stack: the ``StreamingApiEndpoint`` output and
the ``MysfitsApiUrl`` parameter (the Mysfits API this stack enriches clicks from).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from clickstream.cli import OneLineParser, write_atomically

STREAMING_API_OUTPUT = "StreamingApiEndpoint"
MYSFITS_API_PARAMETER = "MysfitsApiUrl"
DEFAULT_OUTPUT = Path("web/config.js")

CONFIG_HEADER = (
    '// The two API endpoints the site page calls. Empty values mean "not configured".\n'
    "// Written from the deployed stack by: python generate.py web-config --stack-name NAME\n"
)


class WebConfigError(Exception):
    """Why the configuration could not be written; one line, meant for the person running it."""


def _endpoint(name: str, value: str) -> str:
    """An endpoint without trailing slashes; empty stays empty (the page's "not configured")."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{name} must be an http(s) URL without query or fragment, got {value!r}")
    return value


def render_config_js(mysfits_api_endpoint: str, streaming_api_endpoint: str) -> str:
    """The text of ``web/config.js``: a frozen default export, JSON-escaped, deterministic."""
    values = {
        "mysfitsApiEndpoint": _endpoint("mysfits_api_endpoint", mysfits_api_endpoint),
        "streamingApiEndpoint": _endpoint("streaming_api_endpoint", streaming_api_endpoint),
    }
    # ensure_ascii also escapes U+2028/U+2029, which are line terminators in older JavaScript.
    body = "".join(
        f"  {key}: {json.dumps(value, ensure_ascii=True)},\n" for key, value in values.items()
    )
    return f"{CONFIG_HEADER}export default Object.freeze({{\n{body}}});\n"


def _describe_stack(client: Any, stack_name: str) -> dict[str, Any]:
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        if "does not exist" in message:
            region = client.meta.region_name
            raise WebConfigError(f"stack {stack_name!r} does not exist in {region}") from error
        raise WebConfigError(f"cannot describe stack {stack_name!r}: {message}") from error
    except NoCredentialsError as error:
        raise WebConfigError(
            "no AWS credentials found (set AWS_PROFILE or run aws configure)"
        ) from error
    except BotoCoreError as error:
        raise WebConfigError(f"cannot describe stack {stack_name!r}: {error}") from error
    if not stacks:
        raise WebConfigError(f"stack {stack_name!r} does not exist")
    return stacks[0]


def _stack_value(stack: dict[str, Any], kind: str, name: str) -> str:
    key_field, value_field = f"{kind}Key", f"{kind}Value"
    for entry in stack.get(f"{kind}s") or []:
        if entry.get(key_field) == name and entry.get(value_field):
            return entry[value_field]
    status = stack.get("StackStatus", "unknown status")
    raise WebConfigError(
        f"stack {stack['StackName']!r} ({status}) has no {kind.lower()} {name!r}; "
        "is it the click-streaming stack, fully deployed?"
    )


def write_config_from_stack(
    stack_name: str,
    *,
    region: str | None,
    output: Path,
    cloudformation_client: Any = None,
) -> Path:
    """Write ``output`` from the stack; raises WebConfigError, writing nothing, if it cannot."""
    if cloudformation_client is None:
        try:
            cloudformation_client = boto3.client("cloudformation", region_name=region)
        except NoRegionError as error:
            raise WebConfigError("no AWS region given (use --region or set AWS_REGION)") from error
    stack = _describe_stack(cloudformation_client, stack_name)
    streaming = _stack_value(stack, "Output", STREAMING_API_OUTPUT)
    mysfits = _stack_value(stack, "Parameter", MYSFITS_API_PARAMETER)
    try:
        text = render_config_js(mysfits, streaming)
    except ValueError as error:
        raise WebConfigError(f"stack {stack_name!r}: {error}") from error
    output = Path(output)
    write_atomically(output, text)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="generate.py web-config",
        description="Write the site page's config.js from the deployed click-streaming stack.",
    )
    parser.add_argument("--stack-name", required=True, help="name or ARN of the deployed stack")
    parser.add_argument("--region", help="AWS region of the stack (default: from the environment)")
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"file to write (default: {DEFAULT_OUTPUT})",
    )
    args = parser.parse_args(argv)
    try:
        written = write_config_from_stack(args.stack_name, region=args.region, output=args.output)
    except WebConfigError as error:
        print("web-config: error: " + " ".join(str(error).split()), file=sys.stderr)
        return 2
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
