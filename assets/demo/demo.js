// The demo page: each action is posted for its phone's person; the bot's
// answers arrive as server-sent events and are put in place.
"use strict";
const timings = (window.demoTimings = []); // action → first bot message, ms
const waiting = {};
const limits = { photo: 10 * 1024 * 1024, document: 20 * 1024 * 1024 };
const lang = document.documentElement.lang;

// Files go as multipart, everything else as a URL-encoded form.
function post(url, fields, person) {
  const multipart = Object.values(fields).some((value) => value instanceof File);
  const body = multipart ? new FormData() : new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  if (person) waiting[person] = performance.now();
  return fetch(url, { method: "POST", body }).then(async (answer) => {
    if (!answer.ok && person) showError(person, await answer.text());
  });
}
const personOf = (element) => element.closest(".phone")?.dataset.person;
const say = (person, text) => post(`/api/people/${person}/text`, { text }, person);
function showError(person, text) {
  const box = document.getElementById(`e-${person}`);
  box.textContent = text;
  setTimeout(() => (box.textContent = ""), 6000);
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  const person = personOf(target);
  if (target.dataset.data !== undefined) {
    post(`/api/people/${person}/press`, { message: target.dataset.message, data: target.dataset.data }, person);
  } else if (target.classList.contains("reply")) {
    if (target.dataset.contact === "true") post(`/api/people/${person}/contact`, {}, person);
    else say(person, target.textContent);
  } else if (target.classList.contains("command")) {
    target.closest("details").open = false;
    say(person, target.dataset.command);
  } else if (target.dataset.jump) {
    post("/api/clock", { jump: target.dataset.jump });
  } else if (target.id === "reset" && confirm(document.body.dataset.resetConfirm)) {
    post("/api/reset", {});
  }
});

document.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  if (form.id === "add-person") {
    post("/api/people", Object.fromEntries(new FormData(form)));
    return;
  }
  const input = form.elements.text;
  if (input.value.trim()) say(personOf(form), input.value);
  input.value = "";
});

document.addEventListener("change", (event) => {
  const input = event.target;
  if (input.type !== "file" || !input.files.length) return;
  const person = personOf(input);
  const kind = input.dataset.kind;
  const file = input.files[0];
  input.value = "";
  if (file.size > limits[kind]) {
    const reason = kind === "photo" ? "photoTooBig" : "fileTooBig";
    showError(person, document.body.dataset[reason]);
    return;
  }
  const caption = input.closest("form").elements.text;
  post(`/api/people/${person}/upload`, { kind, lang, caption: caption.value, file }, person);
  caption.value = "";
});

const changes = new EventSource("/events");
changes.onmessage = (event) => {
  const change = JSON.parse(event.data);
  const chat = document.getElementById(`c-${change.chat}`);
  if (change.kind === "message" && chat) {
    const old = document.getElementById(`m-${change.chat}-${change.id}`);
    const fresh = document.createElement("template");
    fresh.innerHTML = change.html;
    if (old) old.replaceWith(fresh.content);
    else chat.append(fresh.content);
    chat.scrollTop = chat.scrollHeight;
    document.getElementById(`k-${change.chat}`).innerHTML = change.keyboard;
    if (change.from_bot && waiting[change.chat] !== undefined) {
      timings.push(performance.now() - waiting[change.chat]);
      delete waiting[change.chat];
    }
  } else if (change.kind === "deleted") {
    document.getElementById(`m-${change.chat}-${change.id}`)?.remove();
  } else if (change.kind === "toast") {
    const toast = document.getElementById(`t-${change.chat}`);
    toast.textContent = change.text;
    toast.classList.add("shown");
    setTimeout(() => toast.classList.remove("shown"), 3000);
  } else if (change.kind === "menus") {
    for (const phone of document.querySelectorAll(".phone")) {
      const person = phone.dataset.person;
      fetch(`/api/people/${person}/menu`).then((a) => a.text()).then((html) => {
        document.getElementById(`menu-${person}`).innerHTML = html;
      });
    }
  } else if (change.kind === "clock") {
    clock.dataset.offset = change.offset_ms;
    tick();
  } else if (change.kind === "reload") {
    location.reload();
  }
};

const clock = document.getElementById("clock");
const format = new Intl.DateTimeFormat(lang, {
  timeZone: clock.dataset.tz, weekday: "short", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", second: "2-digit",
});
function tick() {
  clock.textContent = format.format(new Date(Date.now() + Number(clock.dataset.offset)));
}
tick();
setInterval(tick, 1000);
for (const chat of document.querySelectorAll(".chat")) chat.scrollTop = chat.scrollHeight;
