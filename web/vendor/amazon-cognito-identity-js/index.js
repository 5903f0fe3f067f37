// ES module face of the vendored amazon-cognito-identity-js browser build.
//
// The build is the package's own dist/amazon-cognito-identity.min.js, copied unchanged. It is a
// webpack UMD bundle with its dependencies (jsbn, @aws-crypto/sha256-js, buffer) inside: loaded
// where there is no CommonJS or AMD loader, it sets self.AmazonCognitoIdentity, which this module
// re-exports. No bundler, no import map, nothing evaluated from strings (CSP: script-src 'self').
import "./amazon-cognito-identity.min.js";

const library = globalThis.AmazonCognitoIdentity;

export const {
  AuthenticationDetails,
  CognitoRefreshToken,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} = library;
