// Chorus chat page: joins its room over chorus.v1 through chorus.js, which reconnects with backoff and resumes the
// room where it left off, so a reconnect loses and repeats nothing. Where WebSockets do not work (no WebSocket in
// the browser, or a proxy that refuses or cuts them), chorus.js falls back to SSE and the HTTP API, and the status
// says which transport the page uses. A server with JWT authentication takes the page's token from its address
// (/?token=<jwt>, or #token=<jwt> to keep it out of server logs); the page shows the token's user (info.name, else
// sub) or "guest", and a refused token stops it with the reason instead of reconnecting.
import { connect } from "/chorus.js";

const ROOM_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const messages = document.getElementById("messages");
const input = document.getElementById("messageInput");
const composer = document.getElementById("composer");
const status = document.getElementById("status");

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

function onState(state, info) {
  if (state === "connecting") {
    setStatus(info.transport === "sse" ? "connecting (SSE fallback)…" : "connecting…", "connecting");
  } else if (state === "open") {
    setStatus("connected (" + TRANSPORTS[info.transport] + ")", "open");
    if (info.transport === "websocket") {
      document.getElementById("user").textContent = info.info?.name || info.user || "guest";
    }
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
