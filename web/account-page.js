// What register.html and confirm.html share: the user pool from config.js, the form's messages,
// and the address being registered, kept in sessionStorage from one page to the next.

import { Auth, describeError } from "./auth.js";
import { cognitoSettings, loadConfig } from "./site-config.js";

export const EMAIL_KEY = "mysfits.email";

export function remember(email) {
  try {
    globalThis.sessionStorage.setItem(EMAIL_KEY, email);
  } catch {
    // storage blocked: the visitor types the address again
  }
}

export function remembered() {
  try {
    return globalThis.sessionStorage.getItem(EMAIL_KEY) || "";
  } catch {
    return "";
  }
}

/** Runs `action(auth, form)` on submit, showing its error in the page; null if no user pool. */
export async function accountForm(form, action) {
  const error = form.querySelector(".form-error");
  const status = form.querySelector(".form-status");
  const settings = cognitoSettings(await loadConfig());
  const submit = form.querySelector("button[type=submit]");
  if (!settings) {
    error.textContent = "Sign-in is not configured on this site: config.js has no Cognito user pool.";
    submit.disabled = true;
    return;
  }
  const auth = new Auth(settings);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    status.textContent = "";
    submit.disabled = true;
    try {
      const problem = await action(auth, form, status);
      if (problem) error.textContent = problem;
    } catch (failure) {
      error.textContent = describeError(failure);
    } finally {
      submit.disabled = false;
    }
  });
}
