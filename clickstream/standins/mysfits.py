"""The Mysfits service from the workshop's earlier modules, as its source behaves.

One description of its contract, used by the local runner, the processor's tests and the page's
tests. The real service is Flask over the DynamoDB table ``MysfitsTable``; this stand-in keeps
the same table items in memory and answers as that code does:

- ``GET /mysfits``: a scan, ``{"mysfits": [{mysfitId, name, goodevil, lawchaos, species,
  thumbImageUri}]}``; an item the scan cannot render (missing ``Name``…) fails the whole call.
- ``GET /mysfits?filter=GoodEvil|LawChaos&value=V``: a query on ``{filter}Index`` with an exact
  match, same shape. Any other filter, or no value, makes DynamoDB refuse: 500. No match at all
  answers ``{}`` (the service builds the answer in a ``defaultdict(list)``).
- ``GET /mysfits/{id}``: the full item; ``age`` a number, ``likes`` a **string** (DynamoDB's N
  passed through), ``adopted`` a bool. An unknown id reads ``response["Item"]`` and raises: **500
  with Flask's HTML error page**, never 404.
- ``POST /mysfits/{id}/like`` (``SET Likes = Likes + 1``; an unknown id has no ``Likes``: 500) and
  ``POST /mysfits/{id}/adopt`` (``SET Adopted = true``; an unknown id gets a new item holding only
  ``MysfitId`` and ``Adopted``, which breaks every later scan) answer ``{"Update": "Success"}``.
  Behind API Gateway's Cognito authorizer: when ``authorize`` is given and returns None for the
  ``Authorization`` header, 401 ``{"message": "Unauthorized"}``.
- Other paths: Flask's HTML 404; another method on a known path: Flask's HTML 405.

Flask-CORS puts ``Access-Control-Allow-Origin: *`` on every answer of the service, errors
included; the authorizer's 401 comes from API Gateway, which adds no CORS headers.
``GET /images/{id}.svg`` serves a picture so that the stand-in needs no bucket (the real images
live in S3); the image URIs point there.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote

__all__ = [
    "CATALOG",
    "CATALOG_FILE",
    "Answer",
    "Authorize",
    "MysfitsService",
    "api_mysfit",
    "create_table_request",
    "table_item",
]

CATALOG_FILE = Path(__file__).with_name("mysfits.json")
# The twelve mysfits: the item's values in the API's names (``likes`` a number here).
CATALOG: list[dict[str, Any]] = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))

Authorize = Callable[[str | None], Mapping[str, Any] | None]

_CORS = {"Access-Control-Allow-Origin": "*"}
_PREFLIGHT = {
    **_CORS,
    "Access-Control-Allow-Methods": "GET,POST,OPTIONS",
    "Access-Control-Allow-Headers": (
        "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"
    ),
}
_HTML = "text/html; charset=utf-8"
# Flask's (werkzeug's) error pages, byte for byte.
_FLASK_PAGES = {
    404: (
        "404 Not Found",
        "Not Found",
        "The requested URL was not found on the server. If you entered the URL manually please "
        "check your spelling and try again.",
    ),
    405: (
        "405 Method Not Allowed",
        "Method Not Allowed",
        "The method is not allowed for the requested URL.",
    ),
    500: (
        "500 Internal Server Error",
        "Internal Server Error",
        "The server encountered an internal error and was unable to complete your request. "
        "Either the server is overloaded or there is an error in the application.",
    ),
}
_INDEXES = {"GoodEvil": "GoodEvil", "LawChaos": "LawChaos"}
_UPDATES = ("like", "adopt")


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


def flask_error(status: int) -> Answer:
    """Flask's HTML error page for this status, with Flask-CORS's header."""
    title, heading, text = _FLASK_PAGES[status]
    page = (
        f"<!doctype html>\n<html lang=en>\n<title>{title}</title>\n"
        f"<h1>{heading}</h1>\n<p>{text}</p>\n"
    )
    return Answer(status, {"Content-Type": _HTML, **_CORS}, page.encode())


def _json(value: Any, status: int = 200) -> Answer:
    return Answer(status, {"Content-Type": "application/json", **_CORS}, json.dumps(value).encode())


def create_table_request(table_name: str = "MysfitsTable") -> dict[str, Any]:
    """`CreateTable` arguments for the workshop's table: key `MysfitId`, and the two indexes
    the filters query (`GoodEvilIndex`, `LawChaosIndex`, each sorted by `MysfitId`)."""
    indexes = [
        {
            "IndexName": f"{attribute}Index",
            "KeySchema": [
                {"AttributeName": attribute, "KeyType": "HASH"},
                {"AttributeName": "MysfitId", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
        for attribute in _INDEXES.values()
    ]
    return {
        "TableName": table_name,
        "KeySchema": [{"AttributeName": "MysfitId", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("MysfitId", *_INDEXES.values())
        ],
        "GlobalSecondaryIndexes": indexes,
        "BillingMode": "PAY_PER_REQUEST",
    }


def table_item(mysfit: Mapping[str, Any], image_base: str) -> dict[str, dict[str, Any]]:
    """A catalog mysfit as the workshop's ``MysfitsTable`` item (DynamoDB attribute values)."""
    image = f"{image_base.rstrip('/')}/images/{mysfit['mysfitId']}.svg"
    return {
        "MysfitId": {"S": mysfit["mysfitId"]},
        "Name": {"S": mysfit["name"]},
        "Species": {"S": mysfit["species"]},
        "Description": {"S": mysfit["description"]},
        "Age": {"N": str(mysfit["age"])},
        "GoodEvil": {"S": mysfit["goodevil"]},
        "LawChaos": {"S": mysfit["lawchaos"]},
        "ThumbImageUri": {"S": image},
        "ProfileImageUri": {"S": image},
        "Likes": {"N": str(mysfit["likes"])},
        "Adopted": {"BOOL": bool(mysfit["adopted"])},
    }


def _summary(item: Mapping[str, Any]) -> dict[str, Any]:
    # getAllMysfits / queryMysfits: KeyError on an item without these attributes.
    return {
        "mysfitId": item["MysfitId"]["S"],
        "name": item["Name"]["S"],
        "goodevil": item["GoodEvil"]["S"],
        "lawchaos": item["LawChaos"]["S"],
        "species": item["Species"]["S"],
        "thumbImageUri": item["ThumbImageUri"]["S"],
    }


def api_mysfit(item: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /mysfits/{id}``'s body for a table item, as getMysfit renders it."""
    return {
        **_summary(item),
        "age": int(item["Age"]["N"]),
        "description": item["Description"]["S"],
        "profileImageUri": item["ProfileImageUri"]["S"],
        "likes": item["Likes"]["N"],
        "adopted": item["Adopted"]["BOOL"],
    }


class MysfitsService:
    """The service over its table, in memory: likes and adoptions last while it runs."""

    def __init__(
        self,
        image_base: str,
        *,
        authorize: Authorize | None = None,
        catalog: list[Mapping[str, Any]] | None = None,
    ) -> None:
        self.image_base = image_base.rstrip("/")
        self.authorize = authorize
        self._lock = threading.Lock()
        self._items: dict[str, dict[str, dict[str, Any]]] = {
            mysfit["mysfitId"]: table_item(mysfit, self.image_base)
            for mysfit in (CATALOG if catalog is None else catalog)
        }

    def table_items(self) -> list[dict[str, dict[str, Any]]]:
        """The table as it stands, one DynamoDB item per mysfit."""
        with self._lock:
            return copy.deepcopy(list(self._items.values()))

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        authorization: str | None = None,
    ) -> Answer:
        """The service's answer to one request (``path`` as sent, percent-encoded)."""
        # Werkzeug decodes the path before routing: "%2F" becomes a separator.
        parts = unquote(path).split("/")[1:]
        if method == "OPTIONS":
            return Answer(200, dict(_PREFLIGHT), b"")
        reading = method in ("GET", "HEAD")
        try:
            if parts == ["mysfits"]:
                return self._list(query) if reading else flask_error(405)
            if len(parts) == 2 and parts[0] == "mysfits" and parts[1]:
                return self._get(parts[1]) if reading else flask_error(405)
            if len(parts) == 3 and parts[0] == "mysfits" and parts[1] and parts[2] in _UPDATES:
                if method != "POST":
                    return flask_error(405)
                return self._update(parts[1], parts[2], authorization)
            if len(parts) == 2 and parts[0] == "images" and reading:
                return self._image(parts[1].removesuffix(".svg"))
        except (KeyError, TypeError, ValueError):
            return flask_error(500)
        return flask_error(404)

    def _list(self, query: Mapping[str, str]) -> Answer:
        with self._lock:
            items = list(self._items.values())
        selected = query.get("filter")
        if selected:
            value = query.get("value")
            if selected not in _INDEXES or not value:
                raise KeyError(selected)  # no such index, or no key value: DynamoDB refuses
            attribute = _INDEXES[selected]
            # A global secondary index holds only the items that have its key attribute.
            items = [i for i in items if attribute in i and i[attribute].get("S") == value]
        mysfits = [_summary(item) for item in items]
        return _json({"mysfits": mysfits} if mysfits else {})

    def _get(self, mysfit_id: str) -> Answer:
        with self._lock:
            item = self._items.get(mysfit_id)
        if item is None:
            raise KeyError("Item")
        return _json(api_mysfit(item))

    def _update(self, mysfit_id: str, action: str, authorization: str | None) -> Answer:
        if self.authorize is not None and self.authorize(authorization) is None:
            body = json.dumps({"message": "Unauthorized"}).encode()
            return Answer(401, {"Content-Type": "application/json"}, body)
        with self._lock:
            item = self._items.get(mysfit_id)
            if action == "like":
                if item is None or "Likes" not in item:
                    raise KeyError("Likes")  # "The provided expression refers to an attribute…"
                item["Likes"] = {"N": str(int(item["Likes"]["N"]) + 1)}
            else:
                item = self._items.setdefault(mysfit_id, {"MysfitId": {"S": mysfit_id}})
                item["Adopted"] = {"BOOL": True}
        return _json({"Update": "Success"})

    def _image(self, mysfit_id: str) -> Answer:
        with self._lock:
            item = self._items.get(mysfit_id)
        if item is None or "Name" not in item:
            return flask_error(404)
        name, species = item["Name"]["S"], item["Species"]["S"]
        hue = int(hashlib.sha256(mysfit_id.encode()).hexdigest()[:4], 16) % 360
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 320" width="320" '
            f'height="320" role="img" aria-label="{escape(name)} the {escape(species)}">'
            f'<rect width="320" height="320" fill="hsl({hue},55%,88%)"/>'
            f'<circle cx="160" cy="140" r="90" fill="hsl({hue},55%,55%)"/>'
            f'<text x="160" y="172" font-size="96" text-anchor="middle" fill="#fff" '
            f'font-family="sans-serif">{escape(name[:1])}</text>'
            f'<text x="160" y="280" font-size="28" text-anchor="middle" fill="#333" '
            f'font-family="sans-serif">{escape(species)}</text></svg>'
        )
        return Answer(200, {"Content-Type": "image/svg+xml", **_CORS}, svg.encode())
