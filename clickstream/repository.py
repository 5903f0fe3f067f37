"""The workshop's CodeCommit repository, made only when asked for (new accounts may refuse it)."""

from __future__ import annotations

from troposphere import Sub, Template
from troposphere.codecommit import Repository

from clickstream.parameters import CODE_REPOSITORY


def add_repository(template: Template) -> Repository:
    return template.add_resource(
        Repository(
            "StreamingServiceRepository",
            Condition=CODE_REPOSITORY,
            RepositoryName=Sub("${AWS::StackName}-streaming-service"),
            RepositoryDescription="Source of the Mythical Mysfits click-streaming service.",
        )
    )
