"""Run the click-streaming stack on this machine, from the generated CloudFormation template.

``LocalPipeline`` serves the clicks API (as API Gateway would run it from the template), the
delivery stream with its Lambda processor, a small Mysfits API and the site; ``python -m
clickstream.local`` does the same from the command line.
"""

from .cloudformation import LocalRunnerError, TemplateError
from .pipeline import LocalPipeline

__all__ = ["LocalPipeline", "LocalRunnerError", "TemplateError"]
