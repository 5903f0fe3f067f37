// The Mythical Mysfits page: the grid, the good/evil and lawful/chaotic filters, the profile
// dialog with Adopt, a Like on each card, Log In / Register / Log Out through Cognito, and an
// event sent to the streaming API each time a profile is opened, and after each like and adoption
// the Mysfits API accepted: a signed-in user's with the ID token, so the API proves who it was.

import { remembered } from "./account-page.js";
import { Auth, describeError } from "./auth.js";
import { ClickRecorder } from "./click-recorder.js";
import { LikedInThisTab } from "./liked.js";
import { createMysfitsApi } from "./mysfits-api.js";
import { visitorId } from "./visitor.js";
import { CONFIG_COMMAND, cognitoSettings, endpoint, loadConfig } from "./site-config.js";

const GUEST = "guest";

const $ = (selector, root = document) => root.querySelector(selector);

function setImage(img, src, alt) {
  const placeholder = img.nextElementSibling;
  img.alt = alt;
  img.hidden = false;
  placeholder.hidden = true;
  placeholder.textContent = alt.slice(0, 1).toUpperCase();
  img.onerror = () => {
    img.hidden = true;
    placeholder.hidden = false;
  };
  if (src) img.src = src;
  else img.onerror();
}

function renderCard(template, mysfit) {
  const card = template.content.firstElementChild.cloneNode(true);
  setImage($(".thumb", card), mysfit.thumbImageUri, `${mysfit.name}, ${mysfit.species || "mysfit"}`);
  $(".name", card).textContent = mysfit.name;
  $(".species", card).textContent = mysfit.species;
  $(".goodevil", card).textContent = mysfit.goodevil;
  $(".lawchaos", card).textContent = mysfit.lawchaos;
  for (const span of card.querySelectorAll(".for")) span.textContent = mysfit.name;
  $(".view-profile", card).dataset.mysfitId = mysfit.mysfitId;
  card.dataset.mysfitId = mysfit.mysfitId;
  card.dataset.name = mysfit.name;
  return card;
}

function describe(count, filter) {
  const which = filter ? ` (${filter.label}: ${filter.value})` : "";
  if (count === 0) return `No mysfits to show${which}.`;
  return `Showing ${count} ${count === 1 ? "mysfit" : "mysfits"}${which}.`;
}

function startPage(config) {
  const status = $("#status");
  const retry = $("#retry");
  const notice = $("#notice");
  const grid = $("#mysfits");
  const template = $("#card-template");
  const dialog = $("#profile");

  const mysfitsApiEndpoint = endpoint(config.mysfitsApiEndpoint);
  const streamingApiEndpoint = endpoint(config.streamingApiEndpoint);

  if (!mysfitsApiEndpoint) {
    document.body.classList.add("not-configured");
    grid.setAttribute("aria-busy", "false");
    status.textContent =
      "This site is not configured yet: config.js has no Mysfits API endpoint. " +
      `Write it from the deployed stack with: ${CONFIG_COMMAND}`;
    for (const button of document.querySelectorAll(".filters button")) button.disabled = true;
    return;
  }

  const api = createMysfitsApi(mysfitsApiEndpoint);
  const settings = cognitoSettings(config);
  const auth = settings ? new Auth(settings) : null;
  startAccount(auth);

  // Like and adopt: the ID token in Authorization; a 401 gets one refreshed token and one retry.
  async function act(mysfitId, action, name) {
    const verb = action === "like" ? "like" : "adopt";
    if (!auth) return `Sign-in is not available on this site, so you cannot ${verb} ${name}.`;
    const token = await auth.idToken();
    if (!token) return `Log in to ${verb} ${name}.`;
    try {
      try {
        await api.act(mysfitId, action, token);
      } catch (error) {
        const fresh = error.status === 401 ? await auth.idToken({ forceRefresh: true }) : null;
        if (!fresh) throw error;
        await api.act(mysfitId, action, fresh);
      }
      return null;
    } catch (error) {
      if (error.status === 401) return `Your session has ended: log in again to ${verb} ${name}.`;
      if (error.status === 0) {
        // API Gateway's authorizer answers 401 without CORS headers: the page sees no answer.
        return `Could not ${verb} ${name}: the Mysfits API did not answer or refused your sign-in. Try again, or log out and in again.`;
      }
      return `Could not ${verb} ${name}. ${error.message}`;
    }
  }

  const liked = new LikedInThisTab();

  function showLiked(button, yes = true) {
    button.setAttribute("aria-pressed", String(yes));
    button.disabled = yes;
    $(".like-label", button).textContent = yes ? "Liked" : "Like";
  }

  // The signed-in user's likes given in this tab (the Mysfits API cannot say who liked what).
  function showLikes() {
    const user = auth?.user;
    for (const button of grid.querySelectorAll("button.like")) {
      const mysfitId = button.closest(".card").dataset.mysfitId;
      if (user && liked.has(user.sub, mysfitId)) showLiked(button);
      else if (button.getAttribute("aria-pressed") === "true") showLiked(button, false);
    }
  }
  auth?.onChange(showLikes);

  let recorder = null;
  if (streamingApiEndpoint) {
    recorder = new ClickRecorder(streamingApiEndpoint, {
      visitorId: visitorId(),
      refreshToken: () => auth?.idToken({ forceRefresh: true }) ?? null,
    });
    recorder.listenForPageHide(window);
  } else {
    notice.textContent = "Profile clicks are not recorded: config.js has no streaming API endpoint.";
    notice.hidden = false;
  }

  // The grid -------------------------------------------------------------------------------

  let gridRequest = 0;
  let currentFilter = null;

  async function showGrid(filter) {
    const request = ++gridRequest;
    currentFilter = filter;
    for (const button of document.querySelectorAll(".filters button")) {
      const pressed = filter
        ? button.dataset.filter === filter.filter && button.dataset.value === filter.value
        : button.id === "view-all";
      button.setAttribute("aria-pressed", String(pressed));
    }
    retry.hidden = true;
    grid.setAttribute("aria-busy", "true");
    status.textContent = "Loading the mysfits…";
    try {
      const mysfits = await api.list(filter);
      if (request !== gridRequest) return;
      grid.replaceChildren(...mysfits.map((mysfit) => renderCard(template, mysfit)));
      showLikes();
      status.textContent = describe(mysfits.length, filter);
    } catch (error) {
      if (request !== gridRequest) return;
      grid.replaceChildren();
      status.textContent = `Could not load the mysfits. ${error.message}`;
      retry.hidden = false;
    } finally {
      if (request === gridRequest) grid.setAttribute("aria-busy", "false");
    }
  }

  document.querySelector(".filters").addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.id === "view-all") {
      showGrid(null);
      return;
    }
    const label = button.closest("[role=group]").querySelector(".filter-label").textContent;
    showGrid({ filter: button.dataset.filter, value: button.dataset.value, label });
  });
  retry.addEventListener("click", () => showGrid(currentFilter));

  // The profile dialog ---------------------------------------------------------------------

  let profileRequest = 0;
  let opener = null;
  let shown = null; // the mysfit the profile shows
  const profileStatus = $("#profile-status");
  const profileBody = $("#profile-body");

  function fillProfile(mysfit) {
    $("#profile-name").textContent = mysfit.name;
    setImage($("#profile-image"), mysfit.profileImageUri, `${mysfit.name}, ${mysfit.species || "mysfit"}`);
    $("#profile-species").textContent = mysfit.species;
    $("#profile-age").textContent = mysfit.age;
    $("#profile-goodevil").textContent = mysfit.goodevil;
    $("#profile-lawchaos").textContent = mysfit.lawchaos;
    $("#profile-likes").textContent = mysfit.likes;
    $("#profile-description").textContent = mysfit.description;
    showAdopted(mysfit.adopted);
    shown = mysfit;
    profileStatus.textContent = "";
    profileBody.hidden = false;
  }

  function showAdopted(adopted) {
    $("#profile-adopted").textContent = adopted ? "Adopted" : "Looking for a home";
    $("#adopt").hidden = adopted;
    $("#adopted").hidden = !adopted;
  }

  // Signed in, and the stack has the signed-in method: every event, proven by the ID token.
  // Otherwise profile views only, of the asserted user: a like or an adoption is recorded only
  // when the API can prove who made it.
  const signedInClicks = config.signedInClicks === true;

  async function recordEvent(event, mysfitId) {
    if (!recorder) return;
    const user = auth ? await auth.ready() : null;
    const token = user && signedInClicks ? await auth.idToken() : null;
    if (token) recorder.record({ event, mysfitId, token });
    else if (event === "profile") recorder.record({ event, mysfitId, userId: user ? user.sub : GUEST });
  }

  async function openProfile(mysfitId, name, button) {
    const request = ++profileRequest;
    opener = button;
    shown = null;
    $("#profile-name").textContent = name;
    $("#adopt-message").textContent = "";
    profileBody.hidden = true;
    profileStatus.textContent = "Loading the profile…";
    if (!dialog.open) dialog.showModal();
    recordEvent("profile", mysfitId);
    try {
      const mysfit = await api.get(mysfitId);
      if (request === profileRequest) fillProfile(mysfit);
    } catch (error) {
      if (request === profileRequest) {
        profileStatus.textContent = `Could not load this profile. ${error.message}`;
      }
    }
  }

  grid.addEventListener("click", async (event) => {
    const card = event.target.closest(".card");
    if (event.target.closest("button.view-profile")) {
      openProfile(card.dataset.mysfitId, card.dataset.name, event.target.closest("button"));
      return;
    }
    const like = event.target.closest("button.like");
    if (!like || like.disabled) return;
    const message = $(".card-message", card);
    message.textContent = "";
    like.disabled = true;
    const problem = await act(card.dataset.mysfitId, "like", card.dataset.name);
    if (problem) {
      like.disabled = false;
      message.textContent = problem;
      return;
    }
    recordEvent("like", card.dataset.mysfitId);
    if (auth.user) liked.add(auth.user.sub, card.dataset.mysfitId);
    showLiked(like);
    message.textContent = `You liked ${card.dataset.name}.`;
  });

  $("#adopt").addEventListener("click", async () => {
    const mysfit = shown;
    if (!mysfit) return;
    const button = $("#adopt");
    const message = $("#adopt-message");
    message.textContent = "";
    button.disabled = true;
    const problem = await act(mysfit.mysfitId, "adopt", mysfit.name);
    if (!problem) recordEvent("adopt", mysfit.mysfitId);
    button.disabled = false;
    if (shown !== mysfit) return;
    if (problem) {
      message.textContent = problem;
      return;
    }
    mysfit.adopted = true;
    showAdopted(true);
    message.textContent = `You adopted ${mysfit.name}.`;
  });
  dialog.addEventListener("click", (event) => {
    // A click on the backdrop lands on the dialog itself; a click on a close button closes too.
    if (event.target === dialog || event.target.closest("[data-close]")) dialog.close();
  });
  dialog.addEventListener("close", () => {
    profileRequest += 1;
    shown = null;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });

  showGrid(null);
}

// Log In / Register / Log Out ----------------------------------------------------------------

function startAccount(auth) {
  const status = $("#account-status");
  const logIn = $("#log-in");
  const register = $("#register");
  const logOut = $("#log-out");
  const dialog = $("#sign-in");
  const form = $("#sign-in-form");
  const error = $("#sign-in-error");

  if (!auth) {
    status.textContent = "Sign-in is not configured: config.js has no Cognito user pool.";
    return;
  }

  function show(user) {
    logIn.hidden = register.hidden = Boolean(user);
    logOut.hidden = !user;
    status.textContent = user ? `Signed in as ${user.email || "a mysfits fan"}` : "";
  }

  function openSignIn() {
    error.textContent = "";
    if (!form.email.value) form.email.value = remembered();
    if (!dialog.open) dialog.showModal();
    (form.email.value ? form.password : form.email).focus();
  }

  auth.onChange(show);
  auth.ready().then((user) => {
    show(user);
    if (!user && globalThis.location.hash === "#log-in") openSignIn();
  });

  logIn.addEventListener("click", openSignIn);
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog || event.target.closest("[data-close]")) dialog.close();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = form.email.value.trim();
    const password = form.password.value;
    if (!email || !password) {
      error.textContent = "Enter your e-mail address and your password.";
      return;
    }
    const submit = $("#sign-in-submit");
    submit.disabled = true;
    error.textContent = "";
    try {
      await auth.signIn(email, password);
      form.reset();
      dialog.close();
      logOut.focus();
    } catch (problem) {
      error.textContent = describeError(problem);
    } finally {
      submit.disabled = false;
    }
  });
  logOut.addEventListener("click", async () => {
    logOut.disabled = true;
    await auth.signOut();
    logOut.disabled = false;
    status.textContent = "Signed out.";
    logIn.focus();
  });
}

startPage(await loadConfig());
