"""An AWS Lambda function, run locally: the processor from ``lambda/`` in a worker process of its
own (``function``, ``_worker``), and what its log lines say about each failed record (``log``).
"""

from .function import FunctionError, LocalFunction

__all__ = ["FunctionError", "LocalFunction"]
