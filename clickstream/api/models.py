"""The clicks API's models: JSON Schema draft 4 for each body API Gateway accepts."""

from __future__ import annotations

from troposphere.apigateway import Model

from clickstream import contract, defaults


class SchemaModel(Model):
    """A Model whose Schema stays a JSON object (Troposphere would turn it into a string), so the
    schema reads, and diffs, like the rest of the template."""

    def validate(self) -> None:
        if not isinstance(self.properties.get("Schema"), dict):
            raise TypeError("SchemaModel.Schema must be a dict")


def _member_schema(name: str, events: tuple[str, ...]) -> dict:
    if name == "event":
        return {"type": "string", "enum": list(events)}
    if name in ("clickId", "visitorId"):
        # A canonical lowercase UUID, as the browser's crypto.randomUUID() makes.
        return {"type": "string", "pattern": defaults.CLICK_UUID_PATTERN}
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": defaults.CLICK_ID_MAX_LENGTH,
        "pattern": defaults.CLICK_ID_PATTERN,
    }


def body_schema(
    title: str, members: tuple[str, ...], required: tuple[str, ...], events: tuple[str, ...]
) -> dict:
    """JSON Schema draft 4 for one event's body: short identifiers, the event, optional visitor
    and click ids (UUIDs the page makes), and nothing else."""
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": title,
        "type": "object",
        "properties": {name: _member_schema(name, events) for name in members},
        "required": list(required),
        "additionalProperties": False,
    }


def click_schema() -> dict:
    """PUT /clicks: anyone's profile view; `userId` is what the caller asserts."""
    return body_schema(
        "Click",
        contract.ANONYMOUS_BODY,
        contract.ANONYMOUS_BODY_REQUIRED,
        contract.ANONYMOUS_EVENTS,
    )


def signed_in_click_schema() -> dict:
    """PUT /clicks/signed-in: a signed-in user's event; the user comes from the ID token."""
    return body_schema(
        "SignedInClick",
        contract.SIGNED_IN_BODY,
        contract.SIGNED_IN_BODY_REQUIRED,
        contract.EVENTS,
    )
