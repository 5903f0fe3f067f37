"""The click's contract, declared once.

Everything that writes, reads or checks a click takes its names from here: the API's request
models and mapping templates (``clickstream/api/``), the processor (``records.py``), the Glue
table and the queries (``clickstream/analytics.py``), the local runner, the stand-ins and the
tests. It ships with the processor, and the stack code loads it from this file
(``clickstream/contract.py``), so the two cannot drift.
"""

from __future__ import annotations

# --- Events -----------------------------------------------------------------------------------
PROFILE = "profile"  # a visitor opened a mysfit's profile
LIKE = "like"  # a signed-in user liked a mysfit (the Mysfits API answered success)
ADOPT = "adopt"  # a signed-in user adopted a mysfit (the Mysfits API answered success)
EVENTS = (PROFILE, LIKE, ADOPT)
# A body without `event` is a profile view: the workshop's body, {userId, mysfitId}, still works.
DEFAULT_EVENT = PROFILE
# What the anonymous method accepts: a like or an adoption is only ever told by a signed-in user.
ANONYMOUS_EVENTS = (PROFILE,)

# --- What the browser sends -------------------------------------------------------------------
# PUT /clicks (anonymous): `userId` is whatever the caller asserts ("guest", or a user's sub).
ANONYMOUS_BODY = ("event", "userId", "visitorId", "clickId", "mysfitId")
ANONYMOUS_BODY_REQUIRED = ("userId", "mysfitId")
# PUT /clicks/signed-in (Cognito authorizer): the user is the ID token's `sub`, never the body's.
SIGNED_IN_BODY = ("event", "visitorId", "clickId", "mysfitId")
SIGNED_IN_BODY_REQUIRED = ("mysfitId",)
SIGNED_IN_PATH = "signed-in"  # below /clicks

# --- The Firehose record, as both methods' mapping templates write it -------------------------
# (JSON key, JSON type), in the order the templates write them. `receivedAt` is API Gateway's
# $context.requestTimeEpoch (epoch milliseconds); `userAgent` its $context.identity.userAgent,
# form-URL-encoded ($util.urlEncode: no character in it needs JSON escaping), which the
# processor decodes, judges and never stores.
RECORD_FIELDS = (
    ("event", "string"),
    ("userId", "string"),
    ("authenticated", "boolean"),
    ("visitorId", "string"),
    ("clickId", "string"),
    ("mysfitId", "string"),
    ("receivedAt", "integer"),
    ("userAgent", "string"),
)
# Absent when the browser did not send them; except that the anonymous method always writes a
# visitorId: the body's, or else API Gateway's $context.extendedRequestId (base64, which no caller
# can set), so an anonymous click is never counted as the visitor of the userId it asserts.
RECORD_OPTIONAL = ("visitorId", "clickId")

# --- The enriched line, which is also the clicks table --------------------------------------
# (JSON key, Hive type), in the order the processor writes them; each table column is its key in
# lower case. `clickedAt` is the record's receivedAt as ISO-8601 UTC (yyyy-MM-ddTHH:mm:ss.SSSZ, a
# timestamp as Firehose's OpenX JSON deserializer reads it); `bot` is the user agent's
# verdict. `visitorId` and `clickId` are absent from lines whose click had none.
#
# The keys: clickKey, visitorKey and userKey are the XXH64 (seed 0) fingerprints of the UTF-8 text
# of clickId, visitorId and userId, as signed 64-bit integers (what Athena computes with
# from_big_endian_64(xxhash64(to_utf8(id)))); clickKey and visitorKey are absent when the id is,
# userKey never. They are there for the bytes a question scans: a UUID is ~37 bytes a click in
# Parquet, which Snappy cannot shrink, a key 8, so the questions de-duplicate, count and match
# on keys, never on the ids' text. The answers are exact up to a 64-bit collision: two ids
# share a key with a probability of about n²/2^65 among the n ids of a window (3e-8 for a
# million ids, 3 % for a billion), and then two clicks count as one, or two visitors as one.
ENRICHED_FIELDS = (
    ("event", "string"),
    ("userId", "string"),
    ("authenticated", "boolean"),
    ("visitorId", "string"),
    ("clickId", "string"),
    ("mysfitId", "string"),
    ("name", "string"),
    ("species", "string"),
    ("goodevil", "string"),
    ("lawchaos", "string"),
    ("clickedAt", "timestamp"),
    ("bot", "boolean"),
    ("clickKey", "bigint"),
    ("visitorKey", "bigint"),
    ("userKey", "bigint"),
)
# The keys' ids, by key.
KEYED_IDS = (("clickKey", "clickId"), ("visitorKey", "visitorId"), ("userKey", "userId"))
ENRICHED_OPTIONAL = (*RECORD_OPTIONAL, "clickKey", "visitorKey")
