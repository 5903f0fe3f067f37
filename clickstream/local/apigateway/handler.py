"""The stage's HTTP front: a request off the wire into an ``ApiRequest``, the ``ApiResponse``
back onto it, and the listener's own refusals answered as API Gateway's gateway responses."""

from __future__ import annotations

from urllib.parse import urlsplit

from clickstream.http.servers import RequestHandler

from .stage import ApiRequest, ApiResponse, LocalRestApi


class ApiHandler(RequestHandler):
    """Serves the ``LocalRestApi`` its server was started with."""

    label = "api"

    def _request(self, method: str, path: str, query: dict[str, str], body: bytes) -> ApiRequest:
        try:
            text, is_text = body.decode("utf-8"), True
        except UnicodeDecodeError:
            text, is_text = body.decode("utf-8", errors="replace"), False
        return ApiRequest(
            method=method,
            path=path,
            query=query,
            headers=dict((getattr(self, "headers", None) or {}).items()),
            body=text,
            source_ip=self.client_address[0],
            body_is_text=is_text,
        )

    def _answer(self, response: ApiResponse) -> tuple[int, dict[str, str], bytes]:
        self.note = f"[{response.gateway_response}]" if response.gateway_response else ""
        return response.status, response.headers, response.body.encode("utf-8")

    def respond(self, method, path, query, body):  # type: ignore[override]
        api: LocalRestApi = self.server.app
        return self._answer(api.handle(self._request(method, path, query, body)))

    def refuse(self, status, message):  # type: ignore[override]
        api: LocalRestApi = self.server.app
        parts = urlsplit(getattr(self, "path", "") or "/")
        request = self._request(getattr(self, "command", "") or "GET", parts.path, {}, b"")
        if status == 413:
            return self._answer(api.refuse(request, "REQUEST_TOO_LARGE"))
        return self._answer(api.refuse(request, "BAD_REQUEST_BODY", message))
