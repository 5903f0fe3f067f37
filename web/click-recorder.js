// Records the visitor's events (profile views, likes, adoptions) without ever getting in the
// visitor's way: nothing here throws or blocks, failures are dropped quietly once retries run out.
//
// - A signed-out visitor's profile view goes to PUT {streamingApiEndpoint}/clicks with the user it
//   asserts ("guest"). A signed-in user's events go, with the Cognito ID token in Authorization,
//   to PUT {streamingApiEndpoint}/clicks/signed-in, where API Gateway's authorizer proves the user;
//   a 401 there gets one refreshed token and one more try. Every event carries the tab's
//   visitorId and its own clickId.
//
// - 429, 5xx, network errors and timeouts are retried with jittered exponential backoff, a bounded
//   number of times; any other answer (2xx, or a 4xx the API rejected) ends the click.
// - Every request is made with `keepalive`, so one in flight when the visitor leaves still lands,
//   and clicks waiting for a retry when the page is hidden (tab switch, navigation, closing) are
//   sent at once: a page that is gone runs no timers.
// - Exactly once across navigation: when the page is left, Chromium fails every fetch still in
//   flight with a TypeError, after `pagehide`, although the keepalive request goes on and reaches
//   the API. So a network error once the page is being left ends the click instead of queueing a
//   retry, and only clicks that were already waiting for a retry are sent at page hide.
// - Each event carries a `clickId` (a random UUID) so that any duplicate can be removed downstream.

export const RETRY_POLICY = Object.freeze({
  maxAttempts: 4, // the first try and three retries
  baseDelayMs: 300,
  maxDelayMs: 5000,
  timeoutMs: 8000,
  maxPending: 50, // beyond this the oldest waiting click is dropped
});

export function isRetryable(status) {
  // 0 stands for no HTTP answer: connection refused, CORS failure, timeout.
  return status === 0 || status === 429 || status >= 500;
}

// "Equal jitter": half the exponential step for sure, the other half at random.
export function backoffDelay(attempt, policy = RETRY_POLICY, random = Math.random) {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return step / 2 + random() * (step / 2);
}

/** A canonical lowercase UUID v4; crypto.randomUUID needs a secure context, getRandomValues not. */
export function newClickId(cryptoImpl = globalThis.crypto) {
  if (typeof cryptoImpl.randomUUID === "function") return cryptoImpl.randomUUID();
  const bytes = cryptoImpl.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class ClickRecorder {
  #url;
  #signedInUrl;
  #visitorId;
  #refreshToken;
  #fetch;
  #policy;
  #random;
  #pending = new Set();
  #leaving = false;

  constructor(
    streamingApiEndpoint,
    {
      visitorId = null,
      refreshToken = async () => null,
      fetch: fetchImpl = globalThis.fetch.bind(globalThis),
      policy = RETRY_POLICY,
      random = Math.random,
    } = {},
  ) {
    this.#url = `${streamingApiEndpoint.replace(/\/+$/, "")}/clicks`;
    this.#signedInUrl = `${this.#url}/signed-in`;
    this.#visitorId = visitorId;
    this.#refreshToken = refreshToken;
    this.#fetch = fetchImpl;
    this.#policy = policy;
    this.#random = random;
  }

  /** Clicks not yet delivered: in flight or waiting for a retry. */
  get pendingCount() {
    return this.#pending.size;
  }

  /**
   * Sends one event. With `token` (a signed-in user's ID token) it goes to the signed-in method,
   * which takes the user from the token; without, it is a profile view of the asserted `userId`.
   */
  record({ event = "profile", mysfitId, userId = "guest", token = null, clickId = newClickId() }) {
    const visitor = this.#visitorId ? { visitorId: this.#visitorId } : {};
    const body = token
      ? { event, ...visitor, clickId, mysfitId }
      : { event, userId, ...visitor, clickId, mysfitId };
    const click = {
      body: JSON.stringify(body),
      token,
      refreshed: false,
      attempts: 0,
      timer: null,
      inFlight: false,
    };
    if (this.#pending.size >= this.#policy.maxPending) {
      const oldest = this.#pending.values().next().value;
      clearTimeout(oldest.timer);
      this.#pending.delete(oldest);
    }
    this.#pending.add(click);
    this.#send(click);
  }

  /** Sends every click waiting for a retry now rather than when its backoff ends. */
  sendWaiting() {
    for (const click of this.#pending) {
      if (click.inFlight) continue;
      clearTimeout(click.timer);
      click.timer = null;
      this.#send(click);
    }
  }

  listenForPageHide(win = window) {
    const doc = win.document;
    doc.addEventListener("visibilitychange", () => {
      if (doc.visibilityState === "hidden") this.sendWaiting();
    });
    win.addEventListener("pagehide", () => {
      this.#leaving = true;
      this.sendWaiting();
    });
    // Back from the back/forward cache: the page is live again.
    win.addEventListener("pageshow", () => {
      this.#leaving = false;
    });
  }

  async #send(click) {
    click.attempts += 1;
    click.inFlight = true;
    let status = 0;
    let networkError = false;
    try {
      const headers = { "Content-Type": "application/json" };
      if (click.token) headers.Authorization = click.token;
      const response = await this.#fetch(click.token ? this.#signedInUrl : this.#url, {
        method: "PUT",
        headers,
        body: click.body,
        keepalive: true, // the browser finishes the request even if the page goes away
        mode: "cors",
        credentials: "omit",
        cache: "no-store",
        signal: AbortSignal.timeout(this.#policy.timeoutMs),
      });
      status = response.status;
    } catch (error) {
      status = 0;
      networkError = error?.name === "TypeError";
    } finally {
      click.inFlight = false;
    }
    if (!this.#pending.has(click)) return;
    if (status === 401 && click.token && !click.refreshed && !this.#leaving) {
      // The token expired on the way: one fresh token, one more try, at once.
      click.refreshed = true;
      click.token = await this.#refreshToken();
      if (click.token && this.#pending.has(click)) {
        click.attempts -= 1;
        this.#send(click);
        return;
      }
    }
    // Failed because the page is going away: the browser carries the keepalive request on.
    const leftInFlight = networkError && this.#leaving;
    if (leftInFlight || !isRetryable(status) || click.attempts >= this.#policy.maxAttempts) {
      this.#pending.delete(click);
      return;
    }
    click.timer = setTimeout(() => {
      click.timer = null;
      this.#send(click);
    }, backoffDelay(click.attempts, this.#policy, this.#random));
  }
}
