// Chorus chat page: joins its room over chorus.v1 through chorus.js, which reconnects with backoff and resumes the
// room where it left off, so a reconnect loses and repeats nothing. Where WebSockets do not work (no WebSocket in
// the browser, or a proxy that refuses or cuts them), chorus.js falls back to SSE and the HTTP API, and the status
// says which transport the page uses. Who is online comes from the room's presence, asked on joining and every
// 15 s, and kept current between by the join and leave pushes of rooms that announce them, which also show as lines.
// A server with JWT authentication takes the page's token from its address (/?token=<jwt>, or #token=<jwt> to keep
// it out of server logs); the page shows the token's user (info.name, else sub) or "guest", and a refused token
// stops it with the reason instead of reconnecting.
import { connect } from "/chorus.js";

const ROOM_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const messages = document.getElementById("messages");
const input = document.getElementById("messageInput");
const composer = document.getElementById("composer");
const status = document.getElementById("status");
const people = document.getElementById("people");
const onlineCount = document.getElementById("onlineCount");
// Often enough to notice who came and went where the server does not announce it, rarely enough to cost nothing.
const PRESENCE_REFRESH_MS = 15000;

const requested = new URLSearchParams(location.search).get("room") || "lobby";
const token = new URLSearchParams(location.hash.slice(1)).get("token")
  || new URLSearchParams(location.search).get("token") || undefined;
const room = ROOM_PATTERN.test(requested) ? requested : "lobby";
document.getElementById("room").textContent = room;
if (room !== requested) {
  show("Invalid room name \"" + requested + "\": use 1-64 characters from A-Z a-z 0-9 . _ -; joined lobby.", "system");
}

function show(text, kind) {
  const item = document.createElement("li");
  item.textContent = text;
  if (kind) {
    item.className = kind;
  }
  const main = messages.parentElement;
  const atBottom = main.scrollHeight - main.scrollTop - main.clientHeight < 40;
  messages.appendChild(item);
  if (atBottom) {
    main.scrollTop = main.scrollHeight;
  }
}

function setStatus(text, state) {
  status.textContent = text;
  status.className = "status " + state;
}

// Text, whether a plain client's frame or this page's publish, shows as it is; any other JSON value as its JSON text,
// which is what plain clients receive for it.
function render(message) {
  if (message.binary) {
    show("[binary message, " + message.binary.byteLength + " bytes]", "system");
  } else {
    show(typeof message.data === "string" ? message.data : JSON.stringify(message.data), "");
  }
}

function describe(error) {
  return error.code + ": " + error.message;
}

const TRANSPORTS = { websocket: "WebSocket", sse: "SSE fallback" };
let welcomed = false;
let me = null; // this page's connection id, from the welcome
const online = new Map(); // connection id -> user (null: a guest)

function nameOf(user) {
  return user ?? "guest";
}

// One entry per name, with the number of its connections when there are several (tabs, guests).
function showOnline() {
  const counts = new Map();
  online.forEach((user) => counts.set(nameOf(user), (counts.get(nameOf(user)) || 0) + 1));
  people.replaceChildren(...[...counts.keys()].sort().map((name) => {
    const item = document.createElement("li");
    item.textContent = counts.get(name) > 1 ? name + " ×" + counts.get(name) : name;
    return item;
  }));
  onlineCount.textContent = online.size;
}

// A failed refresh keeps the list as it was; the next one tries again.
function refreshOnline() {
  chorus.presence(room).then((reply) => {
    online.clear();
    reply.clients.forEach(({ client, user }) => online.set(client, user));
    showOnline();
  }, () => {});
}

function someoneJoined({ client, user }) {
  online.set(client, user);
  showOnline();
  if (client !== me) {
    show(nameOf(user) + " joined", "system presence");
  }
}

function someoneLeft({ client, user }) {
  online.delete(client);
  showOnline();
  show(nameOf(user) + " left", "system presence");
}

function onState(state, info) {
  if (state === "connecting") {
    setStatus(info.transport === "sse" ? "connecting (SSE fallback)…" : "connecting…", "connecting");
  } else if (state === "open") {
    me = info.client;
    setStatus("connected (" + TRANSPORTS[info.transport] + ")", "open");
    document.getElementById("user").textContent = info.info?.name || info.user || "guest";
    if (!welcomed && info.message) {
      welcomed = true;
      show(info.message, "system");
    }
  } else if (info.retryIn === null) {
    setStatus("unauthorised: " + (info.reason || "code " + info.code), "closed");
    show("Not connected: the server refused this page's token (" + (info.reason || info.code) + "). "
      + "Open the page with a valid token: /?token=<jwt>.", "system error");
  } else {
    const why = info.reason ? " (" + info.code + " " + info.reason + ")" : "";
    setStatus("disconnected" + why + ", retrying in " + (info.retryIn / 1000).toFixed(1) + " s", "closed");
  }
}

const chorus = connect((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws",
  { onState, fallback: true, token });

// Live messages are those after the position the subscribe answers with; the history up to that position is shown
// first, and live messages arriving meanwhile wait for it, so that nothing is lost, repeated or out of order.
async function join() {
  const waiting = [];
  let showLive = (message) => waiting.push(message);
  const joined = await chorus.subscribe(room, {
    onMessage: (message) => showLive(message),
    onGap: () => show("Some messages were missed and could not be recovered.", "system"),
    onSubscribed: () => refreshOnline(),
    onJoin: someoneJoined,
    onLeave: someoneLeft,
    onError: (error) => show("Left the room: " + describe(error), "system error"),
  });
  try {
    const history = await chorus.history(room);
    if (history.epoch === joined.epoch) {
      history.messages.filter((message) => message.seq <= joined.seq).forEach(render);
    }
  } catch (error) {
    if (error.code !== "history_unavailable") {
      show("Earlier messages could not be loaded (" + describe(error) + ").", "system");
    }
  }
  waiting.forEach(render);
  showLive = render;
  setInterval(refreshOnline, PRESENCE_REFRESH_MS);
}

join().catch((error) => show("Could not join the room (" + describe(error) + ").", "system error"));

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value;
  if (text) {
    input.value = "";
    chorus.publish(room, text).catch((error) => show("Not sent (" + describe(error) + "): " + text, "system error"));
  }
});
