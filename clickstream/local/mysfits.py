"""A small Mysfits API, so the local demo needs nothing else.

``GET /mysfits`` (optionally ``?filter=GoodEvil|LawChaos&value=…``), ``GET /mysfits/{id}``,
``POST /mysfits/{id}/like`` and ``/adopt``, and ``GET /images/{id}.svg`` for the pictures. The
catalog is ``mysfits.json`` next to this module; answers carry ``Access-Control-Allow-Origin: *``
as the workshop's API does. With ``authorize`` (the ``Authorization`` header's value -> the token's
claims, or None), like and adopt answer 401 ``{"message":"Unauthorized"}`` without a valid token, as
API Gateway's Cognito authorizer in front of the workshop's API does.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from .servers import RequestHandler, json_response

__all__ = ["CATALOG_FILE", "MysfitsCatalog", "MysfitsHandler"]

CATALOG_FILE = Path(__file__).with_name("mysfits.json")
_FILTERS = {"goodevil": "goodevil", "lawchaos": "lawchaos"}
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET,POST,OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type,Authorization",
}
Authorize = Callable[[str | None], Mapping[str, Any] | None]


class MysfitsCatalog:
    """The mysfits, with image URLs on ``base_url``; likes and adoptions live in memory."""

    def __init__(
        self,
        base_url: str,
        catalog_file: Path = CATALOG_FILE,
        *,
        authorize: Authorize | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.authorize = authorize
        self._lock = threading.Lock()
        self._mysfits: dict[str, dict[str, Any]] = {
            raw["mysfitId"]: dict(raw)
            for raw in json.loads(Path(catalog_file).read_text(encoding="utf-8"))
        }

    def _public(self, mysfit: dict[str, Any]) -> dict[str, Any]:
        image = f"{self.base_url}/images/{mysfit['mysfitId']}.svg"
        return {"thumbImageUri": image, "profileImageUri": image, **copy.deepcopy(mysfit)}

    def list(self, filter_name: str | None = None, value: str | None = None) -> list[dict]:
        with self._lock:
            mysfits = [self._public(m) for m in self._mysfits.values()]
        if filter_name:
            field = _FILTERS.get(filter_name.lower())
            if field is None:
                raise KeyError(filter_name)
            mysfits = [m for m in mysfits if str(m.get(field, "")).lower() == (value or "").lower()]
        return mysfits

    def get(self, mysfit_id: str) -> dict[str, Any] | None:
        with self._lock:
            mysfit = self._mysfits.get(mysfit_id)
            return self._public(mysfit) if mysfit else None

    def like(self, mysfit_id: str) -> bool:
        with self._lock:
            if mysfit_id not in self._mysfits:
                return False
            self._mysfits[mysfit_id]["likes"] = int(self._mysfits[mysfit_id]["likes"]) + 1
            return True

    def adopt(self, mysfit_id: str) -> bool:
        with self._lock:
            if mysfit_id not in self._mysfits:
                return False
            self._mysfits[mysfit_id]["adopted"] = True
            return True

    def image(self, mysfit_id: str) -> str | None:
        mysfit = self.get(mysfit_id)
        if mysfit is None:
            return None
        hue = int(hashlib.sha256(mysfit_id.encode()).hexdigest()[:4], 16) % 360
        name, species = escape(mysfit["name"]), escape(mysfit["species"])
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 320" width="320" '
            f'height="320" role="img" aria-label="{name} the {species}">'
            f'<rect width="320" height="320" fill="hsl({hue},55%,88%)"/>'
            f'<circle cx="160" cy="140" r="90" fill="hsl({hue},55%,55%)"/>'
            f'<text x="160" y="172" font-size="96" text-anchor="middle" fill="#fff" '
            f'font-family="sans-serif">{escape(mysfit["name"][:1])}</text>'
            f'<text x="160" y="280" font-size="28" text-anchor="middle" fill="#333" '
            f'font-family="sans-serif">{species}</text></svg>'
        )


class MysfitsHandler(RequestHandler):
    """Serves the ``MysfitsCatalog`` its server was started with."""

    label = "mysfits"

    def respond(self, method, path, query, body):  # type: ignore[override]
        catalog: MysfitsCatalog = self.server.app
        parts = [p for p in path.split("/") if p]
        if method == "OPTIONS":
            return 200, dict(_CORS), b""
        if method in ("GET", "HEAD") and parts == ["mysfits"]:
            try:
                mysfits = catalog.list(query.get("filter"), query.get("value"))
            except KeyError:
                return json_response(400, {"message": "filter must be GoodEvil or LawChaos"}, _CORS)
            return json_response(200, {"mysfits": mysfits}, _CORS)
        if method in ("GET", "HEAD") and len(parts) == 2 and parts[0] == "mysfits":
            mysfit = catalog.get(parts[1])
            if mysfit is None:
                return json_response(404, {"message": f"no mysfit {parts[1]}"}, _CORS)
            return json_response(200, mysfit, _CORS)
        if method == "POST" and len(parts) == 3 and parts[0] == "mysfits":
            action = {"like": catalog.like, "adopt": catalog.adopt}.get(parts[2])
            if action is not None:
                authorize = catalog.authorize
                if authorize is not None and authorize(self.headers.get("Authorization")) is None:
                    return json_response(401, {"message": "Unauthorized"}, _CORS)
                if not action(parts[1]):
                    return json_response(404, {"message": f"no mysfit {parts[1]}"}, _CORS)
                return json_response(200, {"status": "ok"}, _CORS)
        if method in ("GET", "HEAD") and len(parts) == 2 and parts[0] == "images":
            svg = catalog.image(parts[1].removesuffix(".svg"))
            if svg is not None:
                return 200, {"Content-Type": "image/svg+xml", **_CORS}, svg.encode()
        return json_response(404, {"message": "Not Found"}, _CORS)
