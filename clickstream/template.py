"""Assembles the click-streaming stack, one builder per concern, in dependency order."""

from __future__ import annotations

import json

from troposphere import Template

from clickstream.alarms import add_alarms
from clickstream.analytics import add_analytics
from clickstream.api import add_api
from clickstream.dashboard import add_dashboard
from clickstream.delivery import add_delivery_stream
from clickstream.outputs import add_outputs
from clickstream.parameters import add_conditions, add_parameters
from clickstream.processor import add_processor
from clickstream.repository import add_repository
from clickstream.storage import add_storage

TEMPLATE_FILE = "clickstream.json"
DESCRIPTION = (
    "Mythical Mysfits click streaming: PUT /clicks on API Gateway -> Firehose -> "
    "Lambda enrichment -> S3, queried with Athena."
)


def build_template() -> Template:
    template = Template(Description=DESCRIPTION)
    template.set_version("2010-09-09")
    params = add_parameters(template)
    add_conditions(template, params)
    bucket = add_storage(template, params)
    processor = add_processor(template, params)
    analytics = add_analytics(template, params, bucket)
    stream = add_delivery_stream(template, params, bucket, processor, analytics)
    api = add_api(template, params, stream)
    alarms = add_alarms(template, params, stream, processor, api)
    add_dashboard(template, stream, processor, api, alarms)
    repository = add_repository(template)
    add_outputs(template, api, bucket, stream, processor, analytics, repository)
    return template


def to_json(template: Template) -> str:
    """Sorted keys, fixed indentation, a trailing newline: the same bytes on every run."""
    return json.dumps(template.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def render() -> dict[str, str]:
    """Every template file name with the JSON text the code generates for it."""
    return {TEMPLATE_FILE: to_json(build_template())}
