"""Physical names the stack must choose, valid whatever the stack is called.

CloudFormation accepts stack names of up to 128 characters (letters, digits and hyphens, capitals
allowed), and no intrinsic function can shorten or lower-case one. A name whose rules are tighter
than that (the Athena workgroup: 128 characters; the CodeCommit repository: 100; the Glue
database: lower case, as Athena's SQL names it) is therefore built from the stack id's UUID
instead of its name: 36 characters of lowercase hex digits and hyphens, unique to each stack,
fixed in length. The stack's outputs give each such name.
"""

from __future__ import annotations

from troposphere import Join, Select, Split, StackId, Sub

# arn:aws:cloudformation:<region>:<account>:stack/<stack name>/<uuid>
STACK_UUID = Select(2, Split("/", StackId))


def stack_unique(prefix: str) -> Sub:
    """``<prefix>-<the stack's UUID>``: at most len(prefix) + 37 characters, [a-z0-9-]."""
    return Sub(f"{prefix}-${{StackUuid}}", StackUuid=STACK_UUID)


def stack_unique_sql(prefix: str) -> Join:
    """``<prefix>_<the stack's UUID with _ for ->``: a lower-case name Athena's SQL can use
    unquoted (letters, digits and underscores)."""
    return Join("_", Split("-", stack_unique(prefix)))
