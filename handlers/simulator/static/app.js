"use strict";
// The simulator page: two chats polled from the server. All text goes in through
// textContent, never innerHTML, so whatever a person typed is shown, not run.
// Every word on the page comes from the server's labels (gettext), none from here.

const state = { labels: {}, personas: {}, panes: {} };

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  return response.json();
}

// `group`: the officials' chat, where every person's bubble carries their name.
// `extra`: what every message from the pane carries besides (e.g. which app it is from).
function makePane(name, group, personaOf, chatOf, extra) {
  const pane = {
    name, group, personaOf, chatOf, extra: extra || (() => ({})),
    list: document.getElementById(name + "-chat"),
    section: document.getElementById(name),
    badge: document.querySelector(`#${name}-tab .badge`),
    after: 0, boot: "", chat: null, rendered: new Map(), running: null, again: false, unseen: 0, loaded: false,
  };
  state.panes[name] = pane;
  return pane;
}

function button(label, cls, onClick) {
  const node = el("button", cls, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

// WhatsApp's list: the rows open in a sheet over the phone; picking one sends its id.
function openSheet(pane, list) {
  const sheet = document.getElementById("wa-sheet");
  const rows = document.getElementById("wa-sheet-rows");
  document.getElementById("wa-sheet-title").textContent = list.action.button;
  rows.replaceChildren();
  for (const section of list.action.sections) {
    for (const row of section.rows) {
      const pick = button("", "wa-row", () => {
        sheet.hidden = true;
        send(pane, { choice: row.id, label: row.title });
      });
      pick.appendChild(el("span", "wa-row-title", row.title));
      if (row.description) pick.appendChild(el("span", "wa-row-description", row.description));
      rows.appendChild(pick);
    }
  }
  sheet.hidden = false;
}

const WHATSAPP_MEDIA = { image: "photo", audio: "voice", document: "document" };

// One Graph API message, drawn as WhatsApp shows it: a bubble, its reply buttons under
// it, or the button that opens a list.
function renderWhatsApp(pane, line, item) {
  const message = line.whatsapp;
  item.classList.add("wa");
  const kind = message.type;
  if (kind === "location") {
    const where = message.location;
    item.appendChild(el("span", "text", `${state.labels.location}: ${where.latitude}, ${where.longitude}`));
    return item;
  }
  if (kind in WHATSAPP_MEDIA) {
    // The simulator holds no files: the bubble names what WhatsApp would show.
    item.appendChild(el("span", "text", state.labels[WHATSAPP_MEDIA[kind]]));
    return item;
  }
  item.appendChild(el("span", "text", line.text));
  if (kind === "text") return item;
  const interactive = message.interactive;
  const box = el("div", "wa-actions");
  if (interactive.type === "button") {
    for (const b of interactive.action.buttons) {
      box.appendChild(button(b.reply.title, "wa-button",
        () => send(pane, { choice: b.reply.id, label: b.reply.title })));
    }
  } else if (interactive.type === "list") {
    box.appendChild(button(interactive.action.button, "wa-button wa-list", () => openSheet(pane, interactive)));
  } else if (interactive.type === "location_request_message") {
    box.appendChild(button(state.labels["send-location"], "wa-button", () => send(pane, { location: true })));
  }
  item.appendChild(box);
  return item;
}

function render(pane, line) {
  const me = line.sender !== "bot";
  const item = el("li", "msg " + (me ? "me" : "bot"));
  item.dataset.id = line.id;
  item.dataset.sender = line.sender;
  if (me && pane.group) {
    // Always named, whoever is picked in "Sending as" now: the pick changes, the bubble not.
    item.appendChild(el("span", "who", (state.personas[line.sender] || {}).name || line.sender));
  }
  if (line.whatsapp) return renderWhatsApp(pane, line, item);
  item.appendChild(el("span", "text", line.text));
  if (line.edited) item.appendChild(el("div", "edited", state.labels.edited));
  if (line.buttons.length) {
    const box = el("div", "buttons");
    for (const row of line.buttons) {
      const rowNode = el("div", "row");
      for (const b of row) {
        const button = el("button", null, b.label);
        button.type = "button";
        button.addEventListener("click", () => send(pane, { choice: b.value, label: b.label, origin: line.id }));
        rowNode.appendChild(button);
      }
      box.appendChild(rowNode);
    }
    item.appendChild(box);
  }
  if (line.share_label && !me) {
    const share = el("button", "share", line.share_label);
    share.type = "button";
    const what = line.expects === "location" ? { location: true } : { contact: true };
    share.addEventListener("click", () => send(pane, what));
    item.appendChild(share);
  }
  return item;
}

function visible(pane) {
  return pane.section.getClientRects().length > 0;
}

function showUnseen(pane) {
  pane.badge.hidden = pane.unseen === 0;
  pane.badge.textContent = pane.unseen ? String(pane.unseen) : "";
}

// One fetch of what is new since `pane.after`; shows each message id once.
async function fetchNew(pane) {
  const chat = pane.chatOf();
  if (chat !== pane.chat) {
    pane.chat = chat; pane.after = 0; pane.list.replaceChildren(); pane.rendered.clear();
    pane.unseen = 0; showUnseen(pane); pane.loaded = false;
  }
  if (!chat) return;
  const query = `chat=${encodeURIComponent(chat)}&after=${pane.after}&boot=${pane.boot}`;
  const data = await api(`/api/messages?${query}`);
  if (chat !== pane.chat) return;
  if (data.boot !== pane.boot) {
    // The server started again (e.g. the demo data was reset): it sent the chat whole.
    pane.boot = data.boot; pane.after = 0; pane.list.replaceChildren(); pane.rendered.clear();
    pane.loaded = false;
  }
  // The chat's first fetch (its history when the page opens) is not news: only later ones
  // count on the hidden pane's tab.
  const history = !pane.loaded;
  pane.loaded = true;
  let added = 0;
  for (const line of data.messages) {
    pane.after = Math.max(pane.after, line.id);
    if (pane.rendered.has(line.id)) continue;
    const node = render(pane, line);
    const shown = line.replaces.find((id) => pane.rendered.has(id));
    if (shown !== undefined) {
      pane.rendered.get(shown).replaceWith(node);
      pane.rendered.delete(shown);
    } else {
      pane.list.appendChild(node);
    }
    pane.rendered.set(line.id, node);
    added += 1;
  }
  if (!added) return;
  if (visible(pane)) {
    pane.list.scrollTop = pane.list.scrollHeight;
  } else if (!history) {
    pane.unseen += added;
    showUnseen(pane);
  }
}

// Fetches never overlap: two from the same starting point would show messages twice.
// A poll asked for while one runs makes it fetch once more when done.
function poll(pane) {
  if (pane.running) {
    pane.again = true;
    return pane.running;
  }
  pane.running = (async () => {
    try {
      do {
        pane.again = false;
        await fetchNew(pane);
      } while (pane.again);
    } finally {
      pane.running = null;
    }
  })();
  return pane.running;
}

async function send(pane, payload) {
  const from = { persona: pane.personaOf(), chat: pane.chatOf() };
  await api("/api/send", Object.assign(from, pane.extra(), payload));
  await poll(pane);
}

function fill(select, items, value, label) {
  const kept = select.value;
  select.replaceChildren();
  for (const item of items) {
    const option = el("option", null, label(item));
    option.value = value(item);
    select.appendChild(option);
  }
  if (items.some((item) => value(item) === kept)) select.value = kept;
}

function show(name) {
  document.getElementById("panes").dataset.show = name;
  for (const pane of Object.values(state.panes)) {
    document.getElementById(pane.name + "-tab").setAttribute("aria-selected", String(pane.name === name));
  }
  const pane = state.panes[name];
  pane.unseen = 0;
  showUnseen(pane);
  pane.list.scrollTop = pane.list.scrollHeight;
}

async function start() {
  const data = await api("/api/state");
  const labels = data.labels;
  state.labels = labels;
  for (const p of [...data.villagers, ...data.officials]) state.personas[p.id] = p;
  document.title = labels.title;
  for (const id of ["title", "hint", "phone-title", "admin-title", "villager-label",
    "village-label", "official-label", "phone-send", "admin-send", "app-label"]) {
    document.getElementById(id).textContent = labels[id];
  }
  document.querySelector("#phone-tab .tab-name").textContent = labels["phone-title"];
  document.querySelector("#admin-tab .tab-name").textContent = labels["admin-title"];
  document.getElementById("admin-chat").dataset.empty = labels["admin-empty"];
  for (const [id, what] of [["phone-photo", "photo"], ["phone-voice", "voice"],
    ["phone-document", "document"], ["admin-photo", "photo"], ["admin-document", "document"]]) {
    const button = document.getElementById(id);
    button.textContent = labels[what];
    button.title = labels[what + "-title"];
  }
  document.getElementById("phone-input").placeholder = labels.placeholder;
  document.getElementById("admin-input").placeholder = labels.placeholder;
  const villager = document.getElementById("villager");
  const village = document.getElementById("village");
  const official = document.getElementById("official");
  fill(villager, data.villagers, (p) => p.id, (p) => p.name);
  const app = document.getElementById("app");
  fill(app, data.apps, (a) => a.id, (a) => a.name);
  const sheet = document.getElementById("wa-sheet");
  document.getElementById("wa-sheet-close").textContent = labels.close;
  document.getElementById("wa-sheet-close").addEventListener("click", () => { sheet.hidden = true; });
  const onWhatsApp = () => app.value === "whatsapp";
  fill(village, data.villages, (v) => v.admin_chat, (v) => v.name);
  // The village's own officials, then the guest who belongs to no officials' group.
  const fillOfficials = () => fill(
    official, data.officials.filter((p) => p.village === null || p.village === village.value),
    (p) => p.id, (p) => (p.role ? `${p.name} (${p.role})` : p.name));
  fillOfficials();
  // On WhatsApp the resident is another identity (their number), so both can be tried.
  const phone = makePane("phone", false, () => villager.value,
    () => (onWhatsApp() ? state.personas[villager.value].whatsapp_chat : villager.value),
    () => (onWhatsApp() ? { app: "whatsapp" } : {}));
  const showApp = () => {
    phone.section.classList.toggle("whatsapp", onWhatsApp());
    sheet.hidden = true;
  };
  showApp();
  const admin = makePane("admin", true, () => official.value, () => village.value);
  for (const pane of [phone, admin]) {
    document.getElementById(pane.name + "-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = document.getElementById(pane.name + "-input");
      const text = box.value;
      if (!text.trim()) return;
      box.value = "";
      await send(pane, { text });
    });
    document.getElementById(pane.name + "-tab").addEventListener("click", () => show(pane.name));
  }
  document.getElementById("phone-photo").addEventListener("click", () => send(phone, { photo: true }));
  document.getElementById("phone-voice").addEventListener("click", () => send(phone, { voice: true }));
  document.getElementById("phone-document").addEventListener("click", () => send(phone, { document: true }));
  document.getElementById("admin-photo").addEventListener("click", () => send(admin, { photo: true }));
  document.getElementById("admin-document").addEventListener("click", () => send(admin, { document: true }));
  villager.addEventListener("change", () => { sheet.hidden = true; poll(phone); });
  app.addEventListener("change", () => { showApp(); poll(phone); });
  village.addEventListener("change", () => { fillOfficials(); poll(admin); });
  // A link from the public catalogue (/?start=lapak_LPK-7K3Q, or ?app=whatsapp&text=...)
  // is sent once as the resident, as the chat app would send it, then dropped from the address.
  const params = new URLSearchParams(window.location.search);
  if (data.apps.some((a) => a.id === params.get("app"))) {
    app.value = params.get("app");
    showApp();
  }
  const linked = params.get("start") ? `/start ${params.get("start")}` : params.get("text");
  if (linked) {
    history.replaceState(null, "", window.location.pathname);
    await send(phone, { text: linked.slice(0, 200) });
  }
  const tick = async () => {
    try { await Promise.all([poll(phone), poll(admin)]); } catch (e) { /* server restarting */ }
    setTimeout(tick, 800);
  };
  tick();
}

start();
