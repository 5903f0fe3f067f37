// confirm.html: ConfirmSignUp with the code from the e-mail, then log in on the main page.

import { accountForm, remember, remembered } from "./account-page.js";

const form = document.querySelector("#confirm-form");
const email = remembered();
if (email) {
  form.email.value = email;
  document.querySelector("#sent-to").textContent = `We sent a code to ${email}.`;
}

accountForm(form, async (auth, form, status) => {
  const address = form.email.value.trim();
  const code = form.code.value.trim();
  if (!address || !code) return "Enter your e-mail address and the code we sent.";
  await auth.confirm(address, code);
  remember(address);
  status.textContent = "Your e-mail address is confirmed. Log in to like and adopt mysfits.";
  globalThis.location.assign("index.html#log-in");
  return null;
});
