// The Mythical Mysfits page: the grid, the good/evil and lawful/chaotic filters, the profile
// dialog, and a click sent to the streaming API each time a profile is opened.

import { ClickRecorder } from "./click-recorder.js";
import { createMysfitsApi } from "./mysfits-api.js";

const GUEST = "guest";
const CONFIG_COMMAND = "python generate.py web-config --stack-name NAME";

/** The signed-in user's id the workshop's sign-in keeps in localStorage, otherwise "guest". */
export function currentUserId() {
  try {
    const userId = globalThis.localStorage.getItem("userId");
    return userId && userId.trim() ? userId : GUEST;
  } catch {
    return GUEST; // storage blocked by the browser's privacy settings
  }
}

function endpoint(value) {
  if (typeof value !== "string" || value.trim() === "") return "";
  try {
    const url = new URL(value.trim());
    return url.protocol === "https:" || url.protocol === "http:" ? url.href.replace(/\/+$/, "") : "";
  } catch {
    return "";
  }
}

async function loadConfig() {
  try {
    const module = await import("./config.js");
    return module.default && typeof module.default === "object" ? module.default : {};
  } catch {
    return {};
  }
}

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
  $(".for", card).textContent = mysfit.name;
  const button = $(".view-profile", card);
  button.dataset.mysfitId = mysfit.mysfitId;
  card.dataset.mysfitId = mysfit.mysfitId;
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
  let recorder = null;
  if (streamingApiEndpoint) {
    recorder = new ClickRecorder(streamingApiEndpoint);
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
    $("#profile-adopted").textContent = mysfit.adopted ? "Adopted" : "Looking for a home";
    $("#profile-description").textContent = mysfit.description;
    profileStatus.textContent = "";
    profileBody.hidden = false;
  }

  async function openProfile(mysfitId, name, button) {
    const request = ++profileRequest;
    opener = button;
    $("#profile-name").textContent = name;
    profileBody.hidden = true;
    profileStatus.textContent = "Loading the profile…";
    if (!dialog.open) dialog.showModal();
    recorder?.record(currentUserId(), mysfitId);
    try {
      const mysfit = await api.get(mysfitId);
      if (request === profileRequest) fillProfile(mysfit);
    } catch (error) {
      if (request === profileRequest) {
        profileStatus.textContent = `Could not load this profile. ${error.message}`;
      }
    }
  }

  grid.addEventListener("click", (event) => {
    const button = event.target.closest("button.view-profile");
    if (!button) return;
    openProfile(button.dataset.mysfitId, $(".for", button).textContent, button);
  });
  dialog.addEventListener("click", (event) => {
    // A click on the backdrop lands on the dialog itself; a click on a close button closes too.
    if (event.target === dialog || event.target.closest("[data-close]")) dialog.close();
  });
  dialog.addEventListener("close", () => {
    profileRequest += 1;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });

  showGrid(null);
}

startPage(await loadConfig());
