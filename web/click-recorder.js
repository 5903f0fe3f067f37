// Records profile clicks with PUT {streamingApiEndpoint}/clicks without ever getting in the
// visitor's way: nothing here throws or blocks, failures are dropped quietly once retries run out.
//
// - 429, 5xx, network errors and timeouts are retried with jittered exponential backoff, a bounded
//   number of times; any other answer (2xx, or a 4xx the API rejected) ends the click.
// - Every request is made with `keepalive`, so one in flight when the visitor leaves still lands,
//   and clicks waiting for a retry when the page is hidden (tab switch, navigation, closing) are
//   sent at once: a page that is gone runs no timers.

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

export class ClickRecorder {
  #url;
  #fetch;
  #policy;
  #random;
  #pending = new Set();

  constructor(
    streamingApiEndpoint,
    { fetch: fetchImpl = globalThis.fetch.bind(globalThis), policy = RETRY_POLICY, random = Math.random } = {},
  ) {
    this.#url = `${streamingApiEndpoint.replace(/\/+$/, "")}/clicks`;
    this.#fetch = fetchImpl;
    this.#policy = policy;
    this.#random = random;
  }

  /** Clicks not yet delivered: in flight or waiting for a retry. */
  get pendingCount() {
    return this.#pending.size;
  }

  record(userId, mysfitId) {
    const click = {
      body: JSON.stringify({ userId, mysfitId }),
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
    win.addEventListener("pagehide", () => this.sendWaiting());
  }

  async #send(click) {
    click.attempts += 1;
    click.inFlight = true;
    let status = 0;
    try {
      const response = await this.#fetch(this.#url, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: click.body,
        keepalive: true, // the browser finishes the request even if the page goes away
        mode: "cors",
        credentials: "omit",
        cache: "no-store",
        signal: AbortSignal.timeout(this.#policy.timeoutMs),
      });
      status = response.status;
    } catch {
      status = 0;
    } finally {
      click.inFlight = false;
    }
    if (!this.#pending.has(click)) return;
    if (!isRetryable(status) || click.attempts >= this.#policy.maxAttempts) {
      this.#pending.delete(click);
      return;
    }
    click.timer = setTimeout(() => {
      click.timer = null;
      this.#send(click);
    }, backoffDelay(click.attempts, this.#policy, this.#random));
  }
}
