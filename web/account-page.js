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

/**
 * Runs `action(auth, form, status)` on submit, and `buttons[id](auth, form, status)` when the
 * button with that id is pressed; an action returns a message for the visitor or null, and an
 * error it throws is shown in the form. Without a user pool in config.js the form says so.
 */
export async function accountForm(form, action, buttons = {}) {
  const error = form.querySelector(".form-error");
  const status = form.querySelector(".form-status");
  const controls = form.querySelectorAll("button");
  const settings = cognitoSettings(await loadConfig());
  if (!settings) {
    error.textContent = "Sign-in is not configured on this site: config.js has no Cognito user pool.";
    for (const control of controls) control.disabled = true;
    return;
  }
  const auth = new Auth(settings);

  async function run(task) {
    error.textContent = "";
    status.textContent = "";
    for (const control of controls) control.disabled = true;
    try {
      const problem = await task(auth, form, status);
      if (problem) error.textContent = problem;
    } catch (failure) {
      error.textContent = describeError(failure);
    } finally {
      for (const control of controls) control.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(action);
  });
  for (const [id, task] of Object.entries(buttons)) {
    form.querySelector(`#${id}`).addEventListener("click", () => run(task));
  }
}
