"""The workshop's CodeCommit repository, made only when asked for (new accounts may refuse it)."""

from __future__ import annotations

from troposphere import Template
from troposphere.codecommit import Repository

from clickstream.names import stack_unique
from clickstream.parameters import CODE_REPOSITORY


def add_repository(template: Template) -> Repository:
    return template.add_resource(
        Repository(
            "StreamingServiceRepository",
            Condition=CODE_REPOSITORY,
            # At most 100 characters: named by the stack's UUID (clickstream/names.py); the
            # clone URL outputs give it.
            RepositoryName=stack_unique("mysfits-streaming-service"),
            RepositoryDescription="Source of the Mythical Mysfits click-streaming service.",
        )
    )
