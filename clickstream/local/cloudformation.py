"""A CloudFormation template, resolved the way a stack would see it, without AWS.

Parameters take their defaults (or overrides), conditions are evaluated, and intrinsic functions
are resolved. Resources get plausible, stable physical names and ARNs, so that references between
them agree: the delivery stream name a mapping template embeds is the name the local stream answers
to. Resources are found by type and by the references between them, never by logical id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clickstream.http.servers import LocalRunnerError

__all__ = [
    "NO_VALUE",
    "LocalRunnerError",
    "ResolvedTemplate",
    "TemplateError",
    "check_parameter",
    "load_template",
]


class TemplateError(LocalRunnerError):
    """The template cannot be served locally."""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()

DEFAULT_PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "mysfits-clickstream-local",
}

# Service and resource-name shape of the ARNs of the types this stack uses.
_ARN_SHAPES = {
    "AWS::KinesisFirehose::DeliveryStream": ("firehose", True, "deliverystream/{name}"),
    "AWS::Lambda::Function": ("lambda", True, "function:{name}"),
    "AWS::S3::Bucket": ("s3", False, "{name}"),
    "AWS::IAM::Role": ("iam", False, "role/{name}"),
    "AWS::IAM::ManagedPolicy": ("iam", False, "policy/{name}"),
    "AWS::DynamoDB::Table": ("dynamodb", True, "table/{name}"),
    "AWS::Logs::LogGroup": ("logs", True, "log-group:{name}:*"),
    "AWS::SNS::Topic": ("sns", True, "{name}"),
    "AWS::SQS::Queue": ("sqs", True, "{name}"),
    "AWS::KMS::Key": ("kms", True, "key/{name}"),
}

# Properties whose value ``Ref`` returns, when the template sets one. A RestApi's ``Name`` is not
# among them: its Ref is the generated API id; a Stage's Ref is its name, a Model's its name.
_NAME_PROPERTIES = {
    "AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::IAM::Role": "RoleName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::ApiGateway::Stage": "StageName",
    "AWS::ApiGateway::Model": "Name",
}
# Resources whose name is one level down: Ref gives that name.
_NESTED_NAME_PROPERTIES = {
    "AWS::Glue::Database": ("DatabaseInput", "Name"),
    "AWS::Glue::Table": ("TableInput", "Name"),
}


def _digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _stack_uuid(stack: str) -> str:
    """The UUID a stack id ends with (CloudFormation's is random; this one is the same for the
    same stack name, like every name the resolver makes up)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"stack/{stack}"))


def check_parameter(name: str, spec: dict[str, Any], value: str) -> None:
    """Refuse a value CloudFormation would refuse (AllowedValues, AllowedPattern, Min/MaxValue)."""
    allowed = spec.get("AllowedValues")
    if allowed is not None and str(value) not in {str(v) for v in allowed}:
        raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, str(value)):
        raise TemplateError(f"parameter {name}={value!r} does not match {pattern}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            raise TemplateError(f"parameter {name}={value!r} is not a number") from None
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise TemplateError(f"parameter {name}={value!r} is below {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise TemplateError(f"parameter {name}={value!r} is above {spec['MaxValue']}")


def load_template(path: Path) -> dict[str, Any]:
    """Read a JSON template, or raise TemplateError with one clear line."""
    path = Path(path)
    if not path.is_file():
        raise TemplateError(f"template {path} not found; generate it with: python generate.py")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise TemplateError(f"template {path} is not valid JSON ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"template {path} has no Resources")
    return document


def stand_in_parameters(document: dict[str, Any]) -> dict[str, str]:
    """Local stand-ins for parameters without a default (a table ARN gets a table ARN's shape)."""
    values = {}
    pseudo = DEFAULT_PSEUDO
    for name, spec in (document.get("Parameters") or {}).items():
        if "Default" in spec:
            continue
        if "dynamodb" in str(spec.get("AllowedPattern", "")) or name.endswith("TableArn"):
            values[name] = (
                f"arn:{pseudo['AWS::Partition']}:dynamodb:{pseudo['AWS::Region']}:"
                f"{pseudo['AWS::AccountId']}:table/MysfitsTable"
            )
        elif spec.get("Type") == "Number":
            values[name] = str(spec.get("MinValue", 1))
        else:
            values[name] = f"local-{name.lower()}"
    return values


class ResolvedTemplate:
    """A template with parameters, conditions and intrinsic functions resolved.

    ``parameters`` override the template's defaults; ``pseudo`` overrides pseudo parameters.
    """

    def __init__(
        self,
        document: dict[str, Any],
        *,
        parameters: dict[str, str] | None = None,
        pseudo: dict[str, str] | None = None,
    ) -> None:
        self.document = document
        self.pseudo = {**DEFAULT_PSEUDO, **(pseudo or {})}
        self.resources: dict[str, dict[str, Any]] = document.get("Resources") or {}
        self.parameters = self._parameter_values(parameters or {})
        self._conditions: dict[str, bool] = {}
        self._condition_stack: set[str] = set()

    # -- parameters and conditions -------------------------------------------------------------

    def _parameter_values(self, overrides: dict[str, str]) -> dict[str, Any]:
        declared = self.document.get("Parameters") or {}
        unknown = sorted(set(overrides) - set(declared))
        if unknown:
            raise TemplateError(f"template has no parameter {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in overrides:
                value = overrides[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no default; give it a value")
            if str(spec.get("Type", "")).startswith("List<") or spec.get("Type") == (
                "CommaDelimitedList"
            ):
                value = value if isinstance(value, list) else str(value).split(",")
            else:
                value = str(value)
            values[name] = value
        return values

    def condition(self, name: str) -> bool:
        """The value of a named condition."""
        if name not in self._conditions:
            conditions = self.document.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"template has no condition {name}")
            if name in self._condition_stack:
                raise TemplateError(f"condition {name} refers to itself")
            self._condition_stack.add(name)
            self._conditions[name] = bool(self._evaluate_condition(conditions[name]))
            self._condition_stack.discard(name)
        return self._conditions[name]

    def _evaluate_condition(self, node: Any) -> bool:
        if isinstance(node, dict) and len(node) == 1:
            ((key, value),) = node.items()
            if key == "Condition":
                return self.condition(value)
            if key == "Fn::Equals":
                left, right = (self.resolve(item) for item in value)
                return _comparable(left) == _comparable(right)
            if key == "Fn::Not":
                return not self._evaluate_condition(value[0])
            if key == "Fn::And":
                return all(self._evaluate_condition(item) for item in value)
            if key == "Fn::Or":
                return any(self._evaluate_condition(item) for item in value)
        return bool(self.resolve(node))

    # -- resources --------------------------------------------------------------------------------

    def exists(self, logical_id: str) -> bool:
        """Whether a resource is declared and its Condition (if any) holds."""
        resource = self.resources.get(logical_id)
        if resource is None:
            return False
        condition = resource.get("Condition")
        return condition is None or self.condition(condition)

    def of_type(self, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Logical id and resolved properties of every created resource of one type."""
        for logical_id, resource in self.resources.items():
            if resource.get("Type") == resource_type and self.exists(logical_id):
                yield logical_id, self.properties(logical_id)

    def properties(self, logical_id: str) -> dict[str, Any]:
        """A resource's properties with every intrinsic function resolved."""
        resolved = self.resolve(self.resources[logical_id].get("Properties") or {})
        return resolved if isinstance(resolved, dict) else {}

    def resource_type(self, logical_id: str) -> str:
        return self.resources[logical_id]["Type"]

    def physical_name(self, logical_id: str) -> str:
        """What ``Ref`` gives for a resource: its own name if set, else a stable generated one."""
        resource = self.resources.get(logical_id)
        if resource is None:
            raise TemplateError(f"Ref to unknown resource {logical_id}")
        resource_type = resource["Type"]
        name_property = _NAME_PROPERTIES.get(resource_type)
        properties = resource.get("Properties") or {}
        declared = properties.get(name_property) if name_property else None
        if resource_type in _NESTED_NAME_PROPERTIES:
            outer, inner = _NESTED_NAME_PROPERTIES[resource_type]
            declared = (properties.get(outer) or {}).get(inner)
        if declared is not None:
            name = self.resolve(declared)
            if name is not NO_VALUE:
                return str(name)
        stack = self.pseudo["AWS::StackName"]
        suffix = _digest(stack, logical_id).upper()
        if resource_type.startswith("AWS::ApiGateway::"):
            # API Gateway ids are 10 lower-case alphanumerics.
            return _digest(stack, logical_id, length=10)
        if resource_type == "AWS::S3::Bucket":
            return f"{stack}-{logical_id}-{suffix}".lower()
        return f"{stack}-{logical_id}-{suffix}"

    def arn(self, logical_id: str) -> str:
        """A plausible ARN for a resource, built from its physical name."""
        resource_type = self.resources[logical_id]["Type"]
        name = self.physical_name(logical_id)
        partition, region, account = (
            self.pseudo["AWS::Partition"],
            self.pseudo["AWS::Region"],
            self.pseudo["AWS::AccountId"],
        )
        shape = _ARN_SHAPES.get(resource_type)
        if shape is None:
            service = resource_type.split("::")[1].lower()
            kind = resource_type.split("::")[-1].lower()
            return f"arn:{partition}:{service}:{region}:{account}:{kind}/{name}"
        service, regional, resource = shape
        if service == "s3":
            return f"arn:{partition}:s3:::{name}"
        if service == "sqs":
            name = name.split("/")[-1]
        return (
            f"arn:{partition}:{service}:{region if regional else ''}:{account}:"
            f"{resource.format(name=name)}"
        )

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.resources:
            raise TemplateError(f"Fn::GetAtt of unknown resource {logical_id}")
        resource_type = self.resources[logical_id]["Type"]
        if attribute == "Arn":
            return self.arn(logical_id)
        if resource_type == "AWS::ApiGateway::RestApi" and attribute == "RootResourceId":
            return _digest(self.pseudo["AWS::StackName"], logical_id, "/", length=10)
        if attribute in ("RoleId", "Id", "UniqueId"):
            return _digest(logical_id, attribute).upper()
        if resource_type == "AWS::S3::Bucket" and attribute.endswith("DomainName"):
            return f"{self.physical_name(logical_id)}.s3.{self.pseudo['AWS::URLSuffix']}"
        return f"{self.physical_name(logical_id)}-{attribute}"

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::StackId":
            stack = self.pseudo["AWS::StackName"]
            return (
                f"arn:{self.pseudo['AWS::Partition']}:cloudformation:{self.pseudo['AWS::Region']}:"
                f"{self.pseudo['AWS::AccountId']}:stack/{stack}/{_stack_uuid(stack)}"
            )
        if name == "AWS::NotificationARNs":
            return []
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self.physical_name(name)
        raise TemplateError(f"Ref to unknown name {name}")

    # -- intrinsic functions ----------------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """Resolve intrinsic functions in a template fragment; ``AWS::NoValue`` entries vanish."""
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return self.ref(value)
            if key.startswith("Fn::") or key == "Condition":
                return self._function(key, value)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def _function(self, key: str, value: Any) -> Any:
        if key == "Condition":
            return self.condition(value)
        if key == "Fn::GetAtt":
            logical_id, attribute = value.split(".", 1) if isinstance(value, str) else value
            return self.get_att(logical_id, self.resolve(attribute))
        if key == "Fn::Sub":
            return self._sub(value)
        if key == "Fn::Join":
            separator, items = value
            return str(self.resolve(separator)).join(
                _text(item) for item in _as_list(self.resolve(items))
            )
        if key == "Fn::Select":
            index, items = value
            items = _as_list(self.resolve(items))
            return items[int(self.resolve(index))]
        if key == "Fn::Split":
            separator, text = value
            return str(self.resolve(text)).split(str(self.resolve(separator)))
        if key == "Fn::If":
            name, when_true, when_false = value
            return self.resolve(when_true if self.condition(name) else when_false)
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self._evaluate_condition({key: value})
        if key == "Fn::Base64":
            return base64.b64encode(str(self.resolve(value)).encode()).decode()
        if key == "Fn::FindInMap":
            mapping, top, second = (self.resolve(item) for item in value[:3])
            try:
                return self.resolve(self.document["Mappings"][mapping][top][second])
            except KeyError as error:
                raise TemplateError(f"Fn::FindInMap: no {mapping}/{top}/{second}") from error
        if key == "Fn::GetAZs":
            region = self.resolve(value) or self.pseudo["AWS::Region"]
            return [f"{region}{letter}" for letter in "abc"]
        if key == "Fn::ImportValue":
            return f"imported-{self.resolve(value)}"
        if key == "Fn::ToJsonString":
            return json.dumps(self.resolve(value), separators=(",", ":"))
        raise TemplateError(f"intrinsic function {key} is not supported locally")

    _SUB_VARIABLE = re.compile(r"\$\{(!?)([^}]*)\}")

    def _sub(self, value: Any) -> str:
        if isinstance(value, list):
            text, variables = (
                value[0],
                {name: self.resolve(item) for name, item in (value[1] or {}).items()},
            )
        else:
            text, variables = value, {}

        def replace(match: re.Match[str]) -> str:
            literal, name = match.groups()
            if literal:
                return "${" + name + "}"
            name = name.strip()
            if name in variables:
                return _text(variables[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                logical_id, attribute = name.split(".", 1)
                return _text(self.get_att(logical_id, attribute))
            return _text(self.ref(name))

        return self._SUB_VARIABLE.sub(replace, text)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise TemplateError(f"expected a list, got {value!r}")


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _comparable(value: Any) -> Any:
    return [_text(item) for item in value] if isinstance(value, list) else _text(value)
