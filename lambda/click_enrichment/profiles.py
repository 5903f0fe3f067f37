"""Pure functions: the fields of a mysfit that a click is enriched with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class MysfitProfile:
    name: str
    species: str
    goodevil: str
    lawchaos: str


def profile_from_api(body: Any) -> MysfitProfile | None:
    """From the Mysfits API's `GET /mysfits/{id}` object; None if it is not that shape."""
    if not isinstance(body, dict):
        return None
    fields = (body.get("name"), body.get("species"), body.get("goodevil"), body.get("lawchaos"))
    if not all(isinstance(value, str) for value in fields):
        return None
    return MysfitProfile(*fields)


def profile_from_item(item: Any) -> MysfitProfile | None:
    """From a DynamoDB `GetItem` item of the workshop's table; None if it is not that shape."""
    if not isinstance(item, dict):
        return None
    fields = [
        (item.get(name) or {}).get("S") for name in ("Name", "Species", "GoodEvil", "LawChaos")
    ]
    if not all(isinstance(value, str) for value in fields):
        return None
    return MysfitProfile(*fields)


def profiles_from_catalog(body: Any) -> dict[str, MysfitProfile] | None:
    """From the Mysfits API's `GET /mysfits` (every mysfit, by id); None if it is not that shape.

    The service answers `{}` when its table is empty (its answer is a `defaultdict(list)`)."""
    if not isinstance(body, dict):
        return None
    mysfits = body.get("mysfits", [])
    if not isinstance(mysfits, list):
        return None
    profiles = {}
    for mysfit in mysfits:
        profile = profile_from_api(mysfit)
        mysfit_id = mysfit.get("mysfitId") if profile else None
        if not isinstance(mysfit_id, str):
            return None  # one unreadable entry: this is no catalog to judge unknown ids by
        profiles[mysfit_id] = profile
    return profiles
