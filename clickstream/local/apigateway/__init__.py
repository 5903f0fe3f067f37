"""An API Gateway REST API stage, run locally from the template's resources.

Everything comes from the template: routes from ``AWS::ApiGateway::Resource``/``Method``, the
stage name, request validators and models, the integration's Content-Type selection,
``PassthroughBehavior``, request and response mapping templates, integration response selection,
method response headers, and the gateway responses that dress API Gateway's own errors.

The modules follow a request through the stage: ``routing`` (which method, throttling),
``validation`` (required parameters, the request model), ``integration`` (the mapping template,
the backend call, the integration response), ``responses`` (API Gateway's own answers);
``stage`` runs them in that order and ``loading`` builds a stage from the template; ``handler``
serves a stage over HTTP.
"""

from .handler import ApiHandler
from .loading import load_rest_api
from .stage import ApiRequest, ApiResponse, LocalRestApi

__all__ = ["ApiHandler", "ApiRequest", "ApiResponse", "LocalRestApi", "load_rest_api"]
