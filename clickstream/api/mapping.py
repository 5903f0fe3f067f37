"""The clicks API's mapping templates: the Firehose record each PUT makes (VTL, member by member,
in the contract's order) and the bodies the page is answered with."""

from __future__ import annotations

import re

from troposphere import Sub

from clickstream import contract

JSON = "application/json"

# Firehose answers PutRecord with {"RecordId": ..., "Encrypted": ...}; the page needs less.
OK_BODY = '{"status":"OK"}'
FAILED_BODY = '{"message":"The click was not recorded.","requestId":"$context.requestId"}'


# Where each member of the Firehose record (the contract's RECORD_FIELDS) comes from, per method,
# as VTL that sets $value to the member's JSON text:
# - the body's members as $input.json writes them (JSON text, escaped by API Gateway);
# - the user agent form-URL-encoded by $util.urlEncode: anyone's text, with no character that
#   needs JSON escaping ($util.escapeJavaScript writes ' as \', which JSON does not allow);
# - the token's subject (a UUID Cognito makes) escaped by $util.escapeJavaScript.
# In Velocity a #set whose value is null keeps the old value, so optional ones are set under #if.
def _member(kind: str, source: str) -> str:
    if kind == "literal":
        return f"#set($value = '\"{source}\"')"
    if kind == "json":
        return f"#set($value = {source})"
    if kind == "body":
        return f"#set($value = $input.json('$.{source}'))"
    if kind == "event":
        return (
            f"#set($value = '\"{source}\"')"
            "#if($body.event)#set($value = $input.json('$.event'))#end"
        )
    if kind == "visitor":
        # The body's visitorId, else the edge's own id for the request: never the caller's userId.
        return (
            f'#set($value = "${{q}}{source}${{q}}")'
            "#if($body.visitorId)#set($value = $input.json('$.visitorId'))#end"
        )
    if kind == "claim":
        return f'#set($value = "${{q}}$util.escapeJavaScript({source})${{q}}")'
    if kind == "urlencoded":
        return (
            '#set($value = "${q}${q}")'
            f'#if({source})#set($value = "${{q}}$util.urlEncode({source})${{q}}")#end'
        )
    raise ValueError(f"unknown source kind {kind!r}")


ANONYMOUS_SOURCES = {
    "event": ("literal", contract.PROFILE),
    "userId": ("body", "userId"),
    "authenticated": ("json", "'false'"),
    # An anonymous click without a visitorId is a visitor of its own, named by API Gateway's
    # $context.extendedRequestId, which no caller can set ($context.requestId can be set with an
    # x-amzn-RequestId header): the userId is only asserted, and would let anyone inflate a
    # visitor's events, or merge visitors, under an id of their choice.
    "visitorId": ("visitor", "$context.extendedRequestId"),
    "clickId": ("optional", "clickId"),
    "mysfitId": ("body", "mysfitId"),
    "receivedAt": ("json", "$context.requestTimeEpoch"),
    "userAgent": ("urlencoded", "$context.identity.userAgent"),
}
SIGNED_IN_SOURCES = {
    **ANONYMOUS_SOURCES,
    "event": ("event", contract.DEFAULT_EVENT),
    # The ID token's subject, proven by the authorizer; never the body's (the model has none).
    "userId": ("claim", "$context.authorizer.claims.sub"),
    "authenticated": ("json", "'true'"),
    # Without one, the proven user is the visitor.
    "visitorId": ("optional", "visitorId"),
}


def record_template(sources: dict[str, tuple[str, str]]) -> str:
    """The request mapping template: a Firehose PutRecord whose Data is the contract's record,
    each member taken from the source named for it, in RECORD_FIELDS order."""
    if list(sources) != [key for key, _ in contract.RECORD_FIELDS]:
        raise ValueError("the record's sources must follow the contract's RECORD_FIELDS")
    lines = ["#set($q = '\"')", "#set($body = $input.path('$'))", '#set($record = "{")']
    separator = ""
    for key, (kind, source) in sources.items():
        member = '#set($record = "${record}' + separator + "${q}" + key + '${q}:${value}")'
        if kind == "optional":
            # Never the first member, so it never decides the separator.
            lines.append(f"#if($body.{source}){_member('body', source)}{member}#end")
            continue
        lines.append(_member(kind, source) + member)
        separator = ","
    lines.append('#set($record = "${record}}")')
    lines.append(
        '{"DeliveryStreamName": "${Stream}", "Record": {"Data": "$util.base64Encode($record)"}}'
    )
    return "\n".join(lines)


def vtl_sub(vtl: str, **variables: object) -> Sub:
    """Fn::Sub of a mapping template: ${name} for these variables, VTL's own ${x} left as is."""
    names = "|".join(map(re.escape, variables))
    escaped = re.sub(r"\$\{(?!(?:" + names + r")\})", "${!", vtl)
    return Sub(escaped, **variables)
