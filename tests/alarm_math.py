"""An alarm's metric math evaluated for one period's sums, the way CloudWatch does it.

Only what this stack's alarms use: the metrics' sums by name, `+ - * /`, comparisons, `AND`,
`OR`, and a top-level `IF(condition, a, b)`; `${Name}` filled from the template's parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping


def _text(expression: object, template: dict, parameters: Mapping[str, float]) -> str:
    if isinstance(expression, str):
        return expression
    text, variables = expression["Fn::Sub"]
    for name, value in variables.items():
        parameter = value["Ref"]
        number = parameters.get(parameter, template["Parameters"][parameter]["Default"])
        text = text.replace("${" + name + "}", str(number))
    return text


def _evaluate(text: str, values: Mapping[str, float]) -> float:
    match = re.fullmatch(r"IF\((.+), (\S+), (\S+)\)", text)
    condition, if_true, if_false = match.groups() if match else (None, text, None)
    python = (condition or if_true).replace(" AND ", " and ").replace(" OR ", " or ")
    assert re.fullmatch(r"[a-z0-9_ ()*+/<>=.-]+", python), python
    result = eval(python, {"__builtins__": {}}, dict(values))
    if condition is None:
        return float(result)
    return float(if_true if result else if_false)


def alarm_value(
    alarm: dict, template: dict, sums: Mapping[str, float], **parameters: float
) -> float:
    """The value the alarm compares with its threshold; ``sums``: metric name -> Sum."""
    values: dict[str, float] = {}
    returned = None
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            values[query["Id"]] = sums[query["MetricStat"]["Metric"]["MetricName"]]
        else:
            text = _text(query["Expression"], template, parameters)
            values[query["Id"]] = _evaluate(text, values)
        if query.get("ReturnData"):
            returned = query["Id"]
    assert returned is not None
    return values[returned]


def breaches(alarm: dict, template: dict, sums: Mapping[str, float], **parameters: float) -> bool:
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    return alarm_value(alarm, template, sums, **parameters) >= alarm["Threshold"]
