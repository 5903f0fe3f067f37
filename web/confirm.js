// confirm.html: ConfirmSignUp with the code from the e-mail, then log in on the main page;
// ResendConfirmationCode when the code is lost or has expired.

import { accountForm, remember, remembered } from "./account-page.js";

const form = document.querySelector("#confirm-form");
const email = remembered();
if (email) {
  form.email.value = email;
  document.querySelector("#sent-to").textContent = `We sent a code to ${email}.`;
}

async function confirm(auth, form, status) {
  const address = form.email.value.trim();
  const code = form.code.value.trim();
  if (!address || !code) return "Enter your e-mail address and the code we sent.";
  await auth.confirm(address, code);
  remember(address);
  status.textContent = "Your e-mail address is confirmed. Log in to like and adopt mysfits.";
  globalThis.location.assign("index.html#log-in");
  return null;
}

async function resend(auth, form, status) {
  const address = form.email.value.trim();
  if (!address) return "Enter your e-mail address first.";
  const { destination } = await auth.resendCode(address);
  remember(address);
  status.textContent = `We sent a new code to ${destination}.`;
  return null;
}

accountForm(form, confirm, { resend });
