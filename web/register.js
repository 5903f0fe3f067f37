// register.html: SignUp with the e-mail address as the user name, then on to confirm.html.

import { accountForm, remember } from "./account-page.js";

accountForm(document.querySelector("#register-form"), async (auth, form, status) => {
  const email = form.email.value.trim();
  const password = form.password.value;
  if (!email || !password) return "Enter an e-mail address and a password.";
  if (password !== form.passwordAgain.value) return "The two passwords differ.";
  const { destination } = await auth.signUp(email, password);
  remember(email);
  status.textContent = `We sent a confirmation code to ${destination}.`;
  globalThis.location.assign("confirm.html");
  return null;
});
