// The workshop's Mysfits API: GET /mysfits, GET /mysfits?filter=GoodEvil&value=Good,
// GET /mysfits/{id} (plain GETs without custom headers, so no CORS preflight), and
// POST /mysfits/{id}/like and /adopt with the signed-in user's Cognito ID token in Authorization,
// which API Gateway's Cognito authorizer checks (401 without a valid one).

const TIMEOUT_MS = 10000;

export class MysfitsApiError extends Error {
  constructor(message, status = 0) {
    super(message);
    this.name = "MysfitsApiError";
    this.status = status;
  }
}

function text(value) {
  return value === undefined || value === null ? "" : String(value);
}

function imageUrl(value) {
  try {
    const url = new URL(text(value), document.baseURI);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
  } catch {
    return "";
  }
}

/** One mysfit as the page uses it: every field present, every text a string. */
export function normaliseMysfit(raw) {
  if (!raw || typeof raw !== "object" || text(raw.mysfitId) === "") return null;
  return {
    mysfitId: text(raw.mysfitId),
    name: text(raw.name) || "Unnamed mysfit",
    species: text(raw.species),
    description: text(raw.description),
    age: text(raw.age),
    goodevil: text(raw.goodevil),
    lawchaos: text(raw.lawchaos),
    thumbImageUri: imageUrl(raw.thumbImageUri),
    profileImageUri: imageUrl(raw.profileImageUri),
    likes: text(raw.likes),
    adopted: raw.adopted === true || raw.adopted === "true",
  };
}

export function createMysfitsApi(endpoint, { fetch: fetchImpl = globalThis.fetch.bind(globalThis) } = {}) {
  const base = endpoint.replace(/\/+$/, "");

  async function call(path, options = {}) {
    let response;
    try {
      response = await fetchImpl(`${base}${path}`, {
        ...options,
        mode: "cors",
        credentials: "omit",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = error && error.name === "TimeoutError";
      throw new MysfitsApiError(
        timedOut ? "The Mysfits API did not answer in time." : "The Mysfits API could not be reached.",
      );
    }
    if (!response.ok) {
      throw new MysfitsApiError(`The Mysfits API answered HTTP ${response.status}.`, response.status);
    }
    return response;
  }

  async function getJson(path) {
    const response = await call(path);
    try {
      return await response.json();
    } catch {
      throw new MysfitsApiError("The Mysfits API did not answer with JSON.", response.status);
    }
  }

  return {
    /** All mysfits, or those matching one filter: { filter: "GoodEvil", value: "Good" }. */
    async list(filter = null) {
      const query = filter
        ? `?filter=${encodeURIComponent(filter.filter)}&value=${encodeURIComponent(filter.value)}`
        : "";
      const data = await getJson(`/mysfits${query}`);
      if (!data || !Array.isArray(data.mysfits)) {
        throw new MysfitsApiError("The Mysfits API answered without a list of mysfits.");
      }
      return data.mysfits.map(normaliseMysfit).filter(Boolean);
    },

    /** POST /mysfits/{id}/like or /adopt; throws MysfitsApiError (status 401: not signed in). */
    async act(mysfitId, action, idToken) {
      await call(`/mysfits/${encodeURIComponent(mysfitId)}/${action}`, {
        method: "POST",
        headers: { Authorization: idToken },
      });
    },

    async get(mysfitId) {
      const mysfit = normaliseMysfit(await getJson(`/mysfits/${encodeURIComponent(mysfitId)}`));
      if (!mysfit) throw new MysfitsApiError("The Mysfits API answered without a mysfit.");
      return mysfit;
    },
  };
}
