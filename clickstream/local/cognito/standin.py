"""``CognitoStandIn``: the faithful layer over moto's server on 127.0.0.1, with the pool."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.request import urlopen

from clickstream.http.servers import LocalRunnerError, PortInUseError
from clickstream.http.wsgi import BackgroundWsgiServer

from .exceptions import CognitoError
from .protocol import TARGET_PREFIX
from .responses import TRUSTED, FaithfulCognito
from .tokens import IdTokenAuthorizer, TokenSigner

__all__ = ["CLIENT_NAME", "POOL_NAME", "CognitoStandIn"]

log = logging.getLogger("clickstream.local")

POOL_NAME = "MysfitsUserPool"
CLIENT_NAME = "MysfitsUserPoolClient"


class CognitoStandIn:
    """moto's cognito-idp server, made faithful, on ``host:port``, with the workshop's pool.

    ``allowed_origins``: the origins whose pages may call it from a browser (the site's).
    After ``start()``: ``url`` (the endpoint the page and SDKs call), ``region``,
    ``user_pool_id``, ``client_id``, ``issuer``, ``jwks_url``; ``authorizer()`` makes an
    ``IdTokenAuthorizer`` for the pool; ``codes`` holds the confirmation codes sent, by e-mail.
    ``call`` speaks to it over HTTP, unsigned, as the page does; ``admin`` makes any call in
    process, as a signed caller could.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        *,
        allowed_origins: Iterable[str] = (),
    ) -> None:
        try:
            from moto.moto_server.werkzeug_app import create_backend_app
        except ImportError as error:
            raise LocalRunnerError(
                f"the Cognito stand-in needs moto's server ({error.name} is missing): "
                "python -m pip install -r requirements-test.txt"
            ) from None

        self.region = region
        self.codes: dict[str, list[str]] = {}
        moto_app = create_backend_app("cognito-idp")
        self._app = FaithfulCognito(moto_app, self._deliver_code, TokenSigner())
        self._app.allowed_origins.update(allowed_origins)
        try:
            self._server = BackgroundWsgiServer(self._app, host, port, "cognito")
        except OSError as error:
            raise PortInUseError(
                f"port {port} on {host} is not free for the Cognito stand-in ({error.strerror})"
            ) from None
        self.host, self.port = host, self._server.port
        self.url = f"http://{host}:{self.port}"
        self.user_pool_id = self.client_id = self.issuer = self.jwks_url = ""

    def allow_origin(self, origin: str) -> None:
        """Let pages of ``origin`` call the stand-in from a browser."""
        self._app.allowed_origins.add(origin)

    def _deliver_code(self, email: str, code: str) -> None:
        self.codes.setdefault(email.lower(), []).append(code)
        log.info("cognito confirmation code for %s: %s (Cognito would e-mail it)", email, code)

    def last_code(self, email: str) -> str:
        return self.codes[email.lower()][-1]

    def start(self) -> CognitoStandIn:
        self._server.start()
        pool = self.admin(
            "CreateUserPool",
            {
                "PoolName": POOL_NAME,
                "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
            },
        )["UserPool"]
        self.user_pool_id = pool["Id"]
        client = self.admin(
            "CreateUserPoolClient",
            {"UserPoolId": self.user_pool_id, "ClientName": CLIENT_NAME, "GenerateSecret": False},
        )["UserPoolClient"]
        self.client_id = client["ClientId"]
        self.issuer = f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"
        self.jwks_url = f"{self.url}/{self.user_pool_id}/.well-known/jwks.json"
        return self

    def _headers(self, action: str) -> dict[str, str]:
        return {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": TARGET_PREFIX + action,
            # moto picks the region from the credential scope, as the service's host would.
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential=local/20260101/{self.region}/cognito-idp/aws4_request"
            ),
        }

    def call(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One cognito-idp JSON call to this stand-in over HTTP, as the page makes it (unsigned)."""
        from urllib.error import HTTPError
        from urllib.request import Request

        request = Request(
            f"{self.url}/",
            data=json.dumps(params).encode(),
            method="POST",
            headers=self._headers(action),
        )
        try:
            with urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"{}")
        except HTTPError as error:
            answer = json.loads(error.read() or b"{}")
            raise CognitoError(
                str(answer.get("__type", "Error")), str(answer.get("message", "")), error.code
            ) from None

    def admin(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Any cognito-idp call, made in process: what a caller with AWS credentials may do."""
        from werkzeug.test import Client

        response = Client(self._app).post(
            "/",
            data=json.dumps(params).encode(),
            headers=self._headers(action),
            environ_overrides={TRUSTED: True},
        )
        answer = json.loads(response.get_data() or b"{}")
        if response.status_code != 200:
            raise CognitoError(
                str(answer.get("__type", "Error")),
                str(answer.get("message", "")),
                response.status_code,
            )
        return answer

    def jwks(self) -> dict[str, Any]:
        with urlopen(self.jwks_url, timeout=10) as response:
            return json.loads(response.read())

    def authorizer(self) -> IdTokenAuthorizer:
        return IdTokenAuthorizer(self.jwks(), issuer=self.issuer, audiences=[self.client_id])

    def stop(self) -> None:
        self._server.stop()
