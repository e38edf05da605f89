"use strict";
// The simulator page: two chats polled from the server. All text goes in through
// textContent, never innerHTML, so whatever a person typed is shown, not run.

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

function makePane(name, list, personaOf, chatOf) {
  const pane = { list, personaOf, chatOf, after: 0, chat: null, rendered: new Map() };
  state.panes[name] = pane;
  return pane;
}

function render(pane, line) {
  const me = line.sender !== "bot";
  const item = el("li", "msg " + (me ? "me" : "bot"));
  item.dataset.id = line.id;
  if (me && pane.personaOf() !== line.sender) {
    item.appendChild(el("span", "who", (state.personas[line.sender] || {}).name || line.sender));
  }
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

async function poll(pane) {
  const chat = pane.chatOf();
  if (chat !== pane.chat) {
    pane.chat = chat; pane.after = 0; pane.list.replaceChildren(); pane.rendered.clear();
  }
  if (!chat) return;
  const data = await api(`/api/messages?chat=${encodeURIComponent(chat)}&after=${pane.after}`);
  if (chat !== pane.chat) return;
  for (const line of data.messages) {
    pane.after = Math.max(pane.after, line.id);
    const node = render(pane, line);
    const old = line.replaces && pane.rendered.get(line.replaces);
    if (old) {
      old.replaceWith(node);
      pane.rendered.delete(line.replaces);
    } else {
      pane.list.appendChild(node);
    }
    pane.rendered.set(line.id, node);
  }
  if (data.messages.length) pane.list.scrollTop = pane.list.scrollHeight;
}

async function send(pane, payload) {
  await api("/api/send", Object.assign({ persona: pane.personaOf(), chat: pane.chatOf() }, payload));
  await poll(pane);
}

function fill(select, items, label) {
  for (const item of items) {
    const option = el("option", null, label(item));
    option.value = item.id || item.admin_chat;
    select.appendChild(option);
  }
}

async function start() {
  const data = await api("/api/state");
  state.labels = data.labels;
  for (const p of [...data.villagers, ...data.officials]) state.personas[p.id] = p;
  document.title = data.labels.title;
  for (const id of ["title", "phone-title", "admin-title", "villager-label", "village-label",
    "official-label", "phone-send", "admin-send"]) {
    document.getElementById(id).textContent = data.labels[id];
  }
  document.getElementById("phone-input").placeholder = data.labels.placeholder;
  document.getElementById("phone-photo").title = data.labels.photo;
  document.getElementById("phone-voice").title = data.labels.voice;
  document.getElementById("phone-document").title = data.labels.document;
  document.getElementById("admin-document").title = data.labels.document;
  document.getElementById("admin-input").placeholder = data.labels.placeholder;
  const villager = document.getElementById("villager");
  const village = document.getElementById("village");
  const official = document.getElementById("official");
  fill(villager, data.villagers, (p) => p.name);
  fill(village, data.villages, (v) => v.name);
  fill(official, data.officials, (p) => p.name);
  const phone = makePane("phone", document.getElementById("phone-chat"), () => villager.value, () => villager.value);
  const admin = makePane("admin", document.getElementById("admin-chat"), () => official.value, () => village.value);
  for (const [pane, form, input] of [[phone, "phone-form", "phone-input"], [admin, "admin-form", "admin-input"]]) {
    document.getElementById(form).addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = document.getElementById(input);
      const text = box.value;
      if (!text.trim()) return;
      box.value = "";
      await send(pane, { text });
    });
  }
  document.getElementById("phone-photo").addEventListener("click", () => send(phone, { photo: true }));
  document.getElementById("phone-voice").addEventListener("click", () => send(phone, { voice: true }));
  document.getElementById("phone-document").addEventListener("click", () => send(phone, { document: true }));
  document.getElementById("admin-document").addEventListener("click", () => send(admin, { document: true }));
  villager.addEventListener("change", () => poll(phone));
  village.addEventListener("change", () => poll(admin));
  const tick = async () => {
    try { await Promise.all([poll(phone), poll(admin)]); } catch (e) { /* server restarting */ }
    setTimeout(tick, 800);
  };
  tick();
}

start();
