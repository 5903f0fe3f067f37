"""Cognito's errors, as its JSON protocol answers them."""

from __future__ import annotations

__all__ = ["UNSIGNED", "CognitoError"]

# Cognito's answer to an unsigned call of an action that needs SigV4 (the AWS SDKs report it as
# MissingAuthenticationTokenException, "Missing Authentication Token"; a JSON-protocol service
# answers it 400).
UNSIGNED = ("MissingAuthenticationTokenException", "Missing Authentication Token")


class CognitoError(Exception):
    """An error answer in Cognito's JSON protocol."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_type, self.message, self.status = error_type, message, status
