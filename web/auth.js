// Sign-up, confirmation, sign-in, refresh and sign-out against a Cognito user pool, through
// Cognito's public JSON API (cognito-idp: SignUp, ConfirmSignUp, InitiateAuth USER_SRP_AUTH and
// RespondToAuthChallenge PASSWORD_VERIFIER, InitiateAuth REFRESH_TOKEN_AUTH, GlobalSignOut), with
// the SRP client of amazon-cognito-identity-js (vendored). Signing in never sends the password
// (SRP proves it); SignUp sends it to Cognito over TLS, as every Cognito sign-up does.
//
// Where the tokens live (the README's threat model): the ID and access tokens in memory only, so
// they go with the page; the refresh token and the last user's name (an e-mail address) in
// sessionStorage, so a reload keeps the session and nothing outlives the tab (the library and
// Amplify default to localStorage, which outlives it: a new tab logs in anew here). Signing out
// revokes the refresh token (GlobalSignOut) and clears all of it.

import {
  AuthenticationDetails,
  CognitoRefreshToken,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} from "./vendor/amazon-cognito-identity-js/index.js";

const PERSISTENT_KEYS = /\.(refreshToken|LastAuthUser)$/;
const RESTORE_WAIT_MS = 3000;

function browserStorage() {
  try {
    const storage = globalThis.sessionStorage;
    storage.getItem("probe");
    return storage;
  } catch {
    return null; // storage blocked by the browser's privacy settings: the session is per page
  }
}

/** The Storage the library writes its keys to: refresh token for the tab, the rest in memory. */
export class TokenStorage {
  #memory = new Map();
  #persistent;

  constructor(persistent = browserStorage()) {
    this.#persistent = persistent;
  }

  #where(key) {
    return this.#persistent && PERSISTENT_KEYS.test(key) ? this.#persistent : null;
  }

  setItem(key, value) {
    const storage = this.#where(key);
    if (storage) storage.setItem(key, value);
    else this.#memory.set(key, String(value));
    return value;
  }

  getItem(key) {
    const storage = this.#where(key);
    return storage ? storage.getItem(key) : (this.#memory.get(key) ?? null);
  }

  removeItem(key) {
    const storage = this.#where(key);
    if (storage) storage.removeItem(key);
    else this.#memory.delete(key);
  }

  clear() {
    this.#memory.clear();
  }
}

const MESSAGES = {
  UsernameExistsException: "An account with this e-mail address exists already: log in instead.",
  InvalidPasswordException:
    "Choose a password of at least 8 characters with upper and lower case letters, a number and a symbol.",
  CodeMismatchException: "That code is not the one we sent. Check the e-mail and try again.",
  ExpiredCodeException: "That code has expired. Send a new code and try again.",
  UserNotConfirmedException: "Confirm your e-mail address first with the code we sent.",
  NotAuthorizedException: "Incorrect e-mail address or password.",
  UserNotFoundException: "Incorrect e-mail address or password.",
  TooManyRequestsException: "Too many attempts. Wait a minute and try again.",
  LimitExceededException: "Too many attempts. Wait a few minutes and try again.",
};

/** A sentence for the visitor from a Cognito error; never the raw exception name alone. */
export function describeError(error) {
  const code = error && error.code;
  const message = (error && error.message) || "";
  if (code === "NotAuthorizedException" && /current status is confirmed/i.test(message)) {
    return "This e-mail address is confirmed already: log in.";
  }
  if (MESSAGES[code]) return MESSAGES[code];
  if (code === "NetworkError" || (error && error.name === "TypeError")) {
    return "The sign-in service could not be reached. Check the connection and try again.";
  }
  // Cognito's other messages are sentences meant for people ("User is already confirmed.").
  return message ? message : "Something went wrong. Try again.";
}

function userOf(session) {
  const claims = session.getIdToken().decodePayload();
  return { sub: claims.sub, email: claims.email || "" };
}

export class Auth {
  #pool;
  #storage;
  #cognitoUser = null;
  #session = null;
  #listeners = new Set();
  #restoring;

  /** settings: { userPoolId, clientId, endpoint? } from site-config.js's cognitoSettings. */
  constructor(settings, { storage = new TokenStorage() } = {}) {
    this.#storage = storage;
    this.#pool = new CognitoUserPool({
      UserPoolId: settings.userPoolId,
      ClientId: settings.clientId,
      endpoint: settings.endpoint,
      Storage: storage,
    });
    this.#restoring = this.#restore();
  }

  /** { sub, email } of the signed-in user, or null. */
  get user() {
    return this.#session ? userOf(this.#session) : null;
  }

  onChange(listener) {
    this.#listeners.add(listener);
  }

  #changed() {
    for (const listener of this.#listeners) listener(this.user);
  }

  #newUser(email) {
    return new CognitoUser({ Username: email, Pool: this.#pool, Storage: this.#storage });
  }

  /** Resolves once a session kept from an earlier visit is back (or known to be gone). */
  async ready({ waitMs = RESTORE_WAIT_MS } = {}) {
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([this.#restoring, late]);
    clearTimeout(timer);
    return this.user;
  }

  async #restore() {
    const user = this.#pool.getCurrentUser();
    if (!user) return;
    const key = `CognitoIdentityServiceProvider.${this.#pool.getClientId()}.${user.getUsername()}.refreshToken`;
    const refreshToken = this.#storage.getItem(key);
    if (!refreshToken) return;
    try {
      this.#session = await this.#refresh(user, refreshToken);
      this.#cognitoUser = user;
    } catch (error) {
      // Revoked or expired: forget it. Unreachable: keep it for the next page load.
      if (error && error.code === "NotAuthorizedException") user.signOut();
    }
    this.#changed();
  }

  #refresh(user, refreshToken) {
    return new Promise((resolve, reject) => {
      user.refreshSession(new CognitoRefreshToken({ RefreshToken: refreshToken }), (error, session) =>
        error ? reject(error) : resolve(session),
      );
    });
  }

  signUp(email, password) {
    const attributes = [new CognitoUserAttribute({ Name: "email", Value: email })];
    return new Promise((resolve, reject) => {
      this.#pool.signUp(email, password, attributes, null, (error, result) => {
        if (error) reject(error);
        else resolve({ destination: result.codeDeliveryDetails?.Destination || email });
      });
    });
  }

  confirm(email, code) {
    return new Promise((resolve, reject) => {
      this.#newUser(email).confirmRegistration(code, true, (error) => (error ? reject(error) : resolve()));
    });
  }

  resendCode(email) {
    return new Promise((resolve, reject) => {
      this.#newUser(email).resendConfirmationCode((error, result) =>
        error ? reject(error) : resolve({ destination: result?.CodeDeliveryDetails?.Destination || email }),
      );
    });
  }

  async signIn(email, password) {
    const user = this.#newUser(email);
    const details = new AuthenticationDetails({ Username: email, Password: password });
    const session = await new Promise((resolve, reject) => {
      user.authenticateUser(details, {
        onSuccess: resolve,
        onFailure: reject,
        // The workshop's pool has no MFA and no forced password change; say so if one is on.
        newPasswordRequired: () => reject(new Error("This account must set a new password first.")),
        mfaRequired: () => reject(new Error("This account needs multi-factor sign-in, which this page does not offer.")),
        totpRequired: () => reject(new Error("This account needs multi-factor sign-in, which this page does not offer.")),
      });
    });
    this.#cognitoUser = user;
    this.#session = session;
    this.#changed();
    return this.user;
  }

  /** A valid ID token for the Authorization header (refreshed when it has expired), or null. */
  async idToken({ forceRefresh = false } = {}) {
    await this.ready();
    if (!this.#session || !this.#cognitoUser) return null;
    if (forceRefresh || !this.#session.isValid()) {
      try {
        this.#session = await this.#refresh(this.#cognitoUser, this.#session.getRefreshToken().getToken());
      } catch (error) {
        if (error && error.code === "NotAuthorizedException") this.#forget();
        return null;
      }
    }
    return this.#session.getIdToken().getJwtToken();
  }

  #forget() {
    this.#cognitoUser?.signOut();
    this.#cognitoUser = null;
    this.#session = null;
    this.#storage.clear();
    this.#changed();
  }

  /** Revokes the tokens (GlobalSignOut) and forgets them here even if Cognito cannot be reached. */
  async signOut() {
    const user = this.#cognitoUser;
    // GlobalSignOut needs a valid access token: refresh an expired one first.
    if (user && (await this.idToken())) {
      user.setSignInUserSession(this.#session);
      await new Promise((resolve) => user.globalSignOut({ onSuccess: resolve, onFailure: resolve }));
    }
    this.#forget();
  }
}
