"""The local runner's Mysfits API: the shared stand-in (``clickstream.standins.mysfits``) served
by the runner's own logging server. Likes and adoptions last while the runner runs."""

from __future__ import annotations

from clickstream.http.servers import RequestHandler
from clickstream.standins.mysfits import CATALOG_FILE, Authorize, MysfitsService

__all__ = ["CATALOG_FILE", "MysfitsCatalog", "MysfitsHandler"]


class MysfitsCatalog(MysfitsService):
    """The service, its image URLs on ``base_url``; ``authorize`` guards like and adopt."""

    def __init__(self, base_url: str, authorize: Authorize | None = None) -> None:
        super().__init__(base_url, authorize=authorize)


class MysfitsHandler(RequestHandler):
    """Serves the ``MysfitsCatalog`` its server was started with."""

    label = "mysfits"

    def respond(self, method, path, query, body):  # type: ignore[override]
        service: MysfitsService = self.server.app
        return service.handle(method, path, query, self.headers.get("Authorization"))
