// The visitor: a random id for this tab, so that a signed-out visitor's events count as one
// visitor, before and after signing in.
//
// It lives in sessionStorage only: no cookie, nothing that outlives the tab, nothing shared with
// another tab. Where storage is blocked it lasts as long as the page.

import { newClickId } from "./click-recorder.js";

const KEY = "mysfits.visitorId";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function visitorId(storage = tabStorage(), cryptoImpl = globalThis.crypto) {
  let id = null;
  try {
    id = storage?.getItem(KEY) ?? null;
  } catch {
    id = null;
  }
  if (id && UUID.test(id)) return id;
  id = newClickId(cryptoImpl);
  try {
    storage?.setItem(KEY, id);
  } catch {
    // storage full or blocked: the id lasts as long as the page
  }
  return id;
}

function tabStorage() {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}
