"""The Velocity renderer behaves as API Gateway's mapping templates are documented to."""

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clickstream.local.apigateway.vtl import (
    MappingTemplateError,
    json_path,
    render_mapping_template,
)

FIREHOSE_TEMPLATE = (
    '{"DeliveryStreamName": "stream", "Record": {"Data": "$util.base64Encode($input.json(\'$\'))"}}'
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def firehose_data(rendered: str) -> object:
    """The click a rendered PutRecord request carries, decoded as Firehose would."""
    return json.loads(base64.b64decode(json.loads(rendered)["Record"]["Data"]))


@pytest.mark.parametrize(
    "click",
    [
        {"mysfitId": "a", "userAgent": 'He said "hi"'},
        {"path": "C:\\temp\\new", "tab": "a\tb", "line": "a\nb"},
        {"name": "Évangéline", "emoji": "🦄", "cjk": "神話"},
        {"quote": "it's", "slash": "</script>", "nested": {"list": [1, 2.5, True, None]}},
    ],
)
def test_json_of_the_whole_body_survives_the_firehose_template(click):
    body = json.dumps(click, ensure_ascii=False)

    rendered = render_mapping_template(FIREHOSE_TEMPLATE, body)

    assert firehose_data(rendered) == click


@settings(max_examples=60, deadline=None)
@given(json_values)
def test_any_json_body_round_trips_through_base64_encode(value):
    rendered = render_mapping_template(FIREHOSE_TEMPLATE, json.dumps(value))

    assert firehose_data(rendered) == value


def test_input_json_is_compact_json_text_that_keeps_non_ascii():
    body = '{ "name" : "Évangéline" ,\n "likes": [1, 2] }'

    rendered = render_mapping_template("$input.json('$')", body)

    assert json.loads(rendered) == json.loads(body)
    assert "Évangéline" in rendered
    assert "\n" not in rendered


def test_input_json_of_a_member_is_its_json_text():
    body = json.dumps({"mysfit": {"name": 'say "hi"', "tags": ["a", "b"]}})

    assert render_mapping_template("$input.json('$.mysfit.name')", body) == json.dumps('say "hi"')
    assert json.loads(render_mapping_template("$input.json('$.mysfit.tags')", body)) == [
        "a",
        "b",
    ]


def test_empty_body_reads_as_an_empty_object():
    assert render_mapping_template("$input.json('$')", "") == "{}"


def test_input_json_of_a_body_that_is_not_json_fails():
    with pytest.raises(MappingTemplateError):
        render_mapping_template("$input.json('$')", "{not json")


def test_input_body_is_the_raw_text():
    body = '{"a":  1}\n'

    assert render_mapping_template("$input.body", body) == body


def test_input_path_returns_objects_that_velocity_can_walk():
    body = json.dumps({"items": [{"id": "x"}, {"id": "y"}], "count": 2})
    template = "#foreach($item in $input.path('$.items'))$item.id;#end$input.path('$.items').size()"

    assert render_mapping_template(template, body) == "x;y;2"


def test_a_map_prints_java_style_not_json():
    rendered = render_mapping_template("$input.path('$')", json.dumps({"a": 1, "ok": True}))

    assert rendered == "{a=1, ok=true}"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", {"a": {"b": [10, 20]}, "c d": 1}),
        ("$.a.b", [10, 20]),
        ("$.a.b[1]", 20),
        ("$['c d']", 1),
        ('$["a"]["b"][0]', 10),
        ("$.missing", None),
        ("$.a.b[5]", None),
    ],
)
def test_json_path_subset(path, expected):
    document = {"a": {"b": [10, 20]}, "c d": 1}

    assert json_path(document, path) == expected


def test_params_looks_in_path_then_query_then_headers_case_insensitively():
    template = (
        "$input.params('id')|$input.params('q')|$input.params('x-api-key')|$input.params('no')|"
    )

    rendered = render_mapping_template(
        template,
        "",
        path={"id": "p"},
        query={"id": "shadowed", "q": "query"},
        headers={"X-Api-Key": "header"},
    )

    assert rendered == "p|query|header||"


def test_params_without_a_name_gives_the_three_maps():
    template = "$input.params().header.get('Host') $input.params().querystring.size()"

    rendered = render_mapping_template(template, "", headers={"Host": "h"}, query={"a": "1"})

    assert rendered == "h 1"


def test_escape_javascript_escapes_quotes_like_commons_lang():
    # API Gateway documents that single quotes come out as \' (not valid JSON).
    assert render_mapping_template("$util.escapeJavaScript($input.body)", 'it\'s "x"') == (
        'it\\\'s \\"x\\"'
    )


def test_escape_javascript_escapes_backslash_control_and_non_ascii():
    source = "a\\b\nc\u00e9\U0001f984"

    rendered = render_mapping_template("$util.escapeJavaScript($input.body)", source)

    assert rendered == "a\\\\b\\nc\\u00E9\\uD83E\\uDD84"
    assert json.loads(f'"{rendered}"') == source


def test_base64_decode_and_parse_json():
    payload = {"name": "Pauly", "species": "Troll"}
    encoded = base64.b64encode(json.dumps(payload).encode()).decode()
    template = "#set($m = $util.parseJson($util.base64Decode($input.path('$.data'))))$m.species"

    assert render_mapping_template(template, json.dumps({"data": encoded})) == "Troll"


def test_url_encode_and_decode_follow_java_url_encoder():
    source = "a b&c=d/é~*"

    encoded = render_mapping_template("$util.urlEncode($input.body)", source)

    assert encoded == "a+b%26c%3Dd%2F%C3%A9%7E*"
    assert render_mapping_template("$util.urlDecode($input.body)", encoded) == source


def test_context_and_stage_variables():
    rendered = render_mapping_template(
        "$context.stage $context.identity.sourceIp $stageVariables.color",
        "",
        context={"stage": "prod", "identity": {"sourceIp": "127.0.0.1"}},
        stage_variables={"color": "blue"},
    )

    assert rendered == "prod 127.0.0.1 blue"


def test_template_changes_are_followed():
    body = json.dumps({"a": 1})
    first = render_mapping_template("{\"x\": $input.json('$.a')}", body)
    second = render_mapping_template("{\"y\": $input.json('$')}", body)

    assert json.loads(first) == {"x": 1}
    assert json.loads(second) == {"y": {"a": 1}}
