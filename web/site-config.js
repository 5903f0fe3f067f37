// Reads config.js (written by `python generate.py web-config`) and checks each value, so a bad or
// missing file gives "not configured" rather than a broken page.

export const CONFIG_COMMAND = "python generate.py web-config --stack-name NAME";

/** An http(s) URL without trailing slashes, or "" for anything else. */
export function endpoint(value) {
  if (typeof value !== "string" || value.trim() === "") return "";
  try {
    const url = new URL(value.trim());
    return url.protocol === "https:" || url.protocol === "http:" ? url.href.replace(/\/+$/, "") : "";
  } catch {
    return "";
  }
}

/** The user pool the page signs in with, or null when config.js has none. */
export function cognitoSettings(config) {
  const userPoolId = typeof config.cognitoUserPoolId === "string" ? config.cognitoUserPoolId : "";
  const clientId =
    typeof config.cognitoUserPoolClientId === "string" ? config.cognitoUserPoolClientId : "";
  if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId) || !/^[\w+]+$/.test(clientId)) return null;
  // Empty: the library calls https://cognito-idp.{region}.amazonaws.com/ for the pool's region.
  const cognitoEndpoint = endpoint(config.cognitoEndpoint);
  return { userPoolId, clientId, endpoint: cognitoEndpoint ? `${cognitoEndpoint}/` : undefined };
}

export async function loadConfig() {
  try {
    const module = await import("./config.js");
    return module.default && typeof module.default === "object" ? module.default : {};
  } catch {
    return {};
  }
}
