// The mysfits the signed-in user liked, remembered for this tab only.
//
// The Mysfits API counts likes (`SET Likes = Likes + 1`) and keeps no record of who gave them,
// so no page can know what a user liked before. This one remembers the likes given in it, per
// user, in sessionStorage: a reload keeps them; another tab, or the tab closed, forgets them.

const PREFIX = "mysfits.liked.";

function tabStorage() {
  try {
    const storage = globalThis.sessionStorage;
    storage.getItem("probe");
    return storage;
  } catch {
    return null; // storage blocked: remembered until the page goes
  }
}

export class LikedInThisTab {
  #storage;
  #memory = new Map();

  constructor(storage = tabStorage()) {
    this.#storage = storage;
  }

  #read(userId) {
    if (!this.#storage) return this.#memory.get(userId) ?? [];
    try {
      const ids = JSON.parse(this.#storage.getItem(PREFIX + userId) ?? "[]");
      return Array.isArray(ids) ? ids : [];
    } catch {
      return [];
    }
  }

  has(userId, mysfitId) {
    return this.#read(userId).includes(mysfitId);
  }

  add(userId, mysfitId) {
    const ids = [...new Set([...this.#read(userId), mysfitId])];
    if (!this.#storage) {
      this.#memory.set(userId, ids);
      return;
    }
    try {
      this.#storage.setItem(PREFIX + userId, JSON.stringify(ids));
    } catch {
      // storage full: the like counted, the page just will not remember it
    }
  }
}
