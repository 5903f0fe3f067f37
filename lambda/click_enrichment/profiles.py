"""Pure functions: the fields of a mysfit that a click is enriched with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class MysfitProfile:
    species: str
    goodevil: str
    lawchaos: str


def profile_from_api(body: Any) -> MysfitProfile | None:
    """From the Mysfits API's `GET /mysfits/{id}` object; None if it is not that shape."""
    if not isinstance(body, dict):
        return None
    fields = (body.get("species"), body.get("goodevil"), body.get("lawchaos"))
    if not all(isinstance(value, str) for value in fields):
        return None
    return MysfitProfile(*fields)


def profile_from_item(item: Any) -> MysfitProfile | None:
    """From a DynamoDB `GetItem` item of the workshop's table; None if it is not that shape."""
    if not isinstance(item, dict):
        return None
    fields = [(item.get(name) or {}).get("S") for name in ("Species", "GoodEvil", "LawChaos")]
    if not all(isinstance(value, str) for value in fields):
        return None
    return MysfitProfile(*fields)
