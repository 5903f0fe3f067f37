"""The site page's configuration file, ``web/config.js``, and the command that writes it.

The page imports ``./config.js`` as an ES module holding the two API endpoints it calls and the
Cognito user pool it signs visitors in with. The command reads the endpoints from the deployed
click-streaming stack (the ``StreamingApiEndpoint`` output and the ``MysfitsApiUrl`` parameter, the
Mysfits API this stack enriches clicks from) and the user pool from flags or from the workshop's
Cognito stack (outputs ``CognitoUserPool`` and ``CognitoUserPoolClient``).

Each HTML page beside ``config.js`` gets the Content-Security-Policy for those origins in its meta
tag (``sitepolicy.py``), so the published page allows exactly the APIs it calls.

Only ``generate.py``'s own requirements are imported at load: boto3 is imported when the stack is
read, and its absence is one line and exit 2.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from clickstream.cli import (
    FILE,
    NAME,
    CommandError,
    OneLineParser,
    add_region,
    add_stack_name,
    write_atomically,
)
from clickstream.commands.sitepolicy import page_origins, site_policy, with_meta_policy
from clickstream.commands.stacks import describe_stack, stack_value

STREAMING_API_OUTPUT = "StreamingApiEndpoint"
MYSFITS_API_PARAMETER = "MysfitsApiUrl"
USER_POOL_PARAMETER = "CognitoUserPoolArn"
USER_POOL_OUTPUT = "CognitoUserPool"
USER_POOL_CLIENT_OUTPUT = "CognitoUserPoolClient"
DEFAULT_COGNITO_STACK = "MythicalMysfits-Cognito"
DEFAULT_OUTPUT = Path("web/config.js")

CONFIG_HEADER = (
    "// The API endpoints and the Cognito user pool the site page uses. Empty values mean\n"
    '// "not configured". Written from the deployed stacks by:\n'
    "//   python generate.py web-config --stack-name NAME\n"
)

# Cognito's own patterns (cognito-idp API reference: UserPoolIdType, ClientIdType).
_USER_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+")
_CLIENT_ID = re.compile(r"[\w+]{1,128}")


@dataclass(frozen=True)
class CognitoSettings:
    """The user pool the page signs in with. ``endpoint`` is empty on AWS (the page calls
    ``https://cognito-idp.{region}.amazonaws.com/``) and set for a local stand-in."""

    user_pool_id: str
    client_id: str
    endpoint: str = ""

    def __post_init__(self) -> None:
        if not _USER_POOL_ID.fullmatch(self.user_pool_id):
            raise ValueError(
                f"user pool id must look like us-east-1_AbC123, got {self.user_pool_id!r}"
            )
        if not _CLIENT_ID.fullmatch(self.client_id):
            raise ValueError(f"app client id must be letters and digits, got {self.client_id!r}")

    @property
    def region(self) -> str:
        return self.user_pool_id.split("_", 1)[0]

    @property
    def api_url(self) -> str:
        """Where the page calls Cognito: the stand-in, or the pool's regional endpoint."""
        return self.endpoint or f"https://cognito-idp.{self.region}.amazonaws.com"


class WebConfigError(CommandError):
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


def render_config_js(
    mysfits_api_endpoint: str,
    streaming_api_endpoint: str,
    cognito: CognitoSettings | None = None,
    *,
    signed_in_clicks: bool = False,
) -> str:
    """The text of ``web/config.js``: a frozen default export, JSON-escaped, deterministic.

    Without ``cognito`` the Cognito values are empty: the page works, and says sign-in is off.
    ``signed_in_clicks``: the stack has PUT /clicks/signed-in (its CognitoUserPoolArn is set).
    """
    values = {
        "mysfitsApiEndpoint": _endpoint("mysfits_api_endpoint", mysfits_api_endpoint),
        "streamingApiEndpoint": _endpoint("streaming_api_endpoint", streaming_api_endpoint),
        "cognitoRegion": cognito.region if cognito else "",
        "cognitoUserPoolId": cognito.user_pool_id if cognito else "",
        "cognitoUserPoolClientId": cognito.client_id if cognito else "",
        "cognitoEndpoint": _endpoint("cognito endpoint", cognito.endpoint) if cognito else "",
        "signedInClicks": bool(signed_in_clicks and cognito),
    }
    # ensure_ascii also escapes U+2028/U+2029, which are line terminators in older JavaScript.
    body = "".join(
        f"  {key}: {json.dumps(value, ensure_ascii=True)},\n" for key, value in values.items()
    )
    return f"{CONFIG_HEADER}export default Object.freeze({{\n{body}}});\n"


def render_pages(
    site_dir: Path,
    mysfits_api_endpoint: str,
    streaming_api_endpoint: str,
    cognito: CognitoSettings | None = None,
) -> dict[Path, str]:
    """Each ``*.html`` page in ``site_dir`` with the policy for these endpoints in its meta tag.

    Raises ValueError for a page without that tag, or an endpoint a policy cannot name."""
    connect, images = page_origins(
        mysfits_api_endpoint, streaming_api_endpoint, cognito.api_url if cognito else ""
    )
    policy = site_policy(connect, images)
    return {
        page: with_meta_policy(page.read_text(encoding="utf-8"), policy, page)
        for page in sorted(Path(site_dir).glob("*.html"))
    }


def _boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise WebConfigError(
            "reading the stacks needs boto3, which is not installed: python -m pip install boto3"
        ) from None
    return boto3


def cognito_from_stack(client: Any, stack_name: str) -> CognitoSettings:
    """The user pool and app client from the Cognito stack's outputs."""
    stack = describe_stack(client, stack_name)
    user_pool_id = stack_value(stack, "Output", USER_POOL_OUTPUT, what="the Cognito stack")
    client_id = stack_value(stack, "Output", USER_POOL_CLIENT_OUTPUT, what="the Cognito stack")
    try:
        return CognitoSettings(user_pool_id, client_id)
    except ValueError as error:
        raise WebConfigError(f"stack {stack_name!r}: {error}") from error


def write_config_from_stack(
    stack_name: str,
    *,
    region: str | None,
    output: Path,
    cloudformation_client: Any = None,
    cognito: CognitoSettings | None = None,
    cognito_stack: str = DEFAULT_COGNITO_STACK,
) -> list[Path]:
    """Write ``output`` from the stack, and the policy of each page beside it; raises
    WebConfigError, writing nothing, if it cannot. Returns the files written.

    ``cognito`` given: those settings; otherwise they are read from ``cognito_stack``.
    """
    if cloudformation_client is None:
        boto3 = _boto3()
        from botocore.exceptions import NoRegionError

        try:
            cloudformation_client = boto3.client("cloudformation", region_name=region)
        except NoRegionError as error:
            raise WebConfigError("no AWS region given (use --region or set AWS_REGION)") from error
    stack = describe_stack(cloudformation_client, stack_name)
    streaming = stack_value(stack, "Output", STREAMING_API_OUTPUT)
    mysfits = stack_value(stack, "Parameter", MYSFITS_API_PARAMETER)
    if cognito is None:
        cognito = cognito_from_stack(cloudformation_client, cognito_stack)
    pool_arn = next(
        (
            p.get("ParameterValue") or ""
            for p in stack.get("Parameters") or []
            if p.get("ParameterKey") == USER_POOL_PARAMETER
        ),
        "",
    )
    if pool_arn and cognito is not None and not pool_arn.endswith("/" + cognito.user_pool_id):
        raise WebConfigError(
            f"stack {stack_name!r} authorizes signed-in clicks with {pool_arn}, but the site signs "
            f"in with user pool {cognito.user_pool_id}: deploy the stack with that pool's ARN as "
            f"{USER_POOL_PARAMETER}"
        )
    output = Path(output)
    try:
        text = render_config_js(mysfits, streaming, cognito, signed_in_clicks=bool(pool_arn))
        pages = render_pages(output.parent, mysfits, streaming, cognito)
    except ValueError as error:
        raise WebConfigError(f"stack {stack_name!r}: {error}") from error
    write_atomically(output, text)
    for page, html in pages.items():
        write_atomically(page, html)
    return [output, *pages]


def argument_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="generate.py web-config",
        description="Write the site page's config.js from the deployed click-streaming stack "
        "and the Cognito user pool it signs visitors in with, and the Content-Security-Policy "
        "of each HTML page beside it for those origins.",
    )
    add_stack_name(parser, required=True)
    add_region(parser)
    parser.add_argument(
        "--cognito-stack",
        default=DEFAULT_COGNITO_STACK,
        metavar=NAME,
        help=f"stack with outputs {USER_POOL_OUTPUT} and {USER_POOL_CLIENT_OUTPUT} "
        f"(default: {DEFAULT_COGNITO_STACK})",
    )
    parser.add_argument(
        "--user-pool-id", metavar="ID", help="Cognito user pool id, instead of the stack's"
    )
    parser.add_argument(
        "--user-pool-client-id", metavar="ID", help="Cognito app client id, instead of the stack's"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar=FILE,
        help=f"file to write; the *.html pages beside it get their policy "
        f"(default: {DEFAULT_OUTPUT})",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = argument_parser()
    args = parser.parse_args(argv)
    cognito = None
    if (args.user_pool_id is None) != (args.user_pool_client_id is None):
        parser.error("give both --user-pool-id and --user-pool-client-id, or neither")
    if args.user_pool_id is not None:
        try:
            cognito = CognitoSettings(args.user_pool_id, args.user_pool_client_id)
        except ValueError as error:
            parser.error(str(error))
    try:
        written = write_config_from_stack(
            args.stack_name,
            region=args.region,
            output=args.output,
            cognito=cognito,
            cognito_stack=args.cognito_stack,
        )
    except CommandError as error:
        print("web-config: error: " + " ".join(str(error).split()), file=sys.stderr)
        return 2
    print("wrote " + ", ".join(str(path) for path in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
