"""A Cognito user pool on this machine, for the page's sign-up, sign-in and the Mysfits API.

moto's ``cognito-idp`` server speaks Cognito's JSON protocol (``X-Amz-Target:
AWSCognitoIdentityProviderService.<Action>``) and signs RS256 tokens it publishes at
``/{pool id}/.well-known/jwks.json``. It differs from Cognito where the page would notice, so a
thin layer in front of it does those parts the way Cognito does:

- ``USER_SRP_AUTH``: moto answers with a random ``SRP_B`` and ``SALT`` and accepts any
  ``PASSWORD_CLAIM_SIGNATURE``, so any password signs in. Here ``SignUp`` keeps an SRP verifier
  (never the password), ``InitiateAuth`` answers with a real ``B`` and salt, and
  ``RespondToAuthChallenge`` checks the client's signature: a wrong password gets
  ``NotAuthorizedException`` "Incorrect username or password.".
- ``ConfirmSignUp``: moto confirms with any code. Here ``SignUp`` makes a six-digit code and
  delivers it to ``on_code`` (the runner logs it; Cognito e-mails it), a wrong code gets
  ``CodeMismatchException``, and confirming a confirmed user ``NotAuthorizedException``.
  ``ResendConfirmationCode``, which moto lacks, replaces the code with a new one.
  Confirmation sets ``email_verified`` (the pool auto-verifies e-mail).
- Auth flows: moto allows every flow to every client. Here a flow the app client does not allow
  gets ``InvalidParameterException``; a client made without ``ExplicitAuthFlows`` allows SRP,
  custom auth and refresh, not ``USER_PASSWORD_AUTH``, as Cognito's default does.
- Authentication: every other action of the API needs AWS credentials (SigV4), which no one
  has here. Over HTTP the stand-in answers only the actions the page's library sends (SignUp,
  ConfirmSignUp, ResendConfirmationCode, InitiateAuth with USER_SRP_AUTH or REFRESH_TOKEN_AUTH,
  RespondToAuthChallenge with PASSWORD_VERIFIER, GlobalSignOut), and refuses the rest as Cognito
  refuses an unsigned call. The runner's own set-up and the tests use ``admin`` (in process).
- Tokens: moto signs them with a private key it publishes. Here they are signed again with an
  RSA key made at start-up, published at the pool's ``jwks.json``; moto's session ids, which
  would let its ``AdminRespondToAuthChallenge`` skip the SRP proof, never leave.
- CORS: the endpoint answers browsers of the site's origin only (Cognito answers any origin; a
  developer's machine has other pages open).

``CognitoStandIn`` runs it on 127.0.0.1 and makes, at start, the workshop's pool (e-mail as the
user name, e-mail auto-verified) and app client (no secret, no ``ExplicitAuthFlows``).
``IdTokenAuthorizer`` checks an ``Authorization`` header the way API Gateway's Cognito user pool
authorizer does: signature against the pool's JWKS, issuer, audience, ``token_use`` and expiry.
"""

from .exceptions import CognitoError
from .srp import SrpVerifier
from .standin import CognitoStandIn
from .tokens import IdTokenAuthorizer

__all__ = ["CognitoError", "CognitoStandIn", "IdTokenAuthorizer", "SrpVerifier"]
