// Chorus chat page: joins its room over chorus.v1 through chorus.js, which reconnects with backoff and resumes the
// room where it left off, so a reconnect loses and repeats nothing; the page then says how many missed messages the
// resume recovered, or that some were lost (history no longer held them), instead of welcoming the user again. Where
// WebSockets do not work (no WebSocket in the browser, or a proxy that refuses or cuts them), chorus.js falls back to
// SSE and the HTTP API, and the status says which transport the page uses. Who is online comes from the room's
// presence, asked on joining and every 15 s, and kept current between by the join and leave pushes of rooms that
// announce them, which also show as lines.
// Messages carry no time of their own: each shows when it reached the page, and those loaded from history on joining
// say "earlier". The page's own messages are marked "you" once the server has acknowledged them (its ack names their
// seq). Send is disabled while the page is not connected. A message over the server's limit (its welcome's
// max_message_size) is refused before it is sent and stays in the box to be shortened; a publish the server refuses
// (rate_limited, forbidden, ...) shows the server's error and its text goes back into an empty box.
// A server with JWT authentication takes the page's token from its address (/?token=<jwt>, or #token=<jwt> to keep
// it out of server logs); the page shows the token's user (info.name, else sub) or "guest", and a refused token
// stops it with the reason instead of reconnecting.
import { connect } from "/chorus.js";

const ROOM_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const messages = document.getElementById("messages");
const input = document.getElementById("messageInput");
const composer = document.getElementById("composer");
const sendButton = document.getElementById("sendButton");
const note = document.getElementById("composerNote");
const status = document.getElementById("status");
const people = document.getElementById("people");
const onlineCount = document.getElementById("onlineCount");
// Often enough to notice who came and went where the server does not announce it, rarely enough to cost nothing.
const PRESENCE_REFRESH_MS = 15000;
const NOT_RECOVERED = "Some messages were missed and could not be recovered.";
const numbers = new Intl.NumberFormat("en");
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

const requested = new URLSearchParams(location.search).get("room") || "lobby";
const token = new URLSearchParams(location.hash.slice(1)).get("token")
  || new URLSearchParams(location.search).get("token") || undefined;
const room = ROOM_PATTERN.test(requested) ? requested : "lobby";
document.getElementById("room").textContent = room;
if (room !== requested) {
  show("Invalid room name \"" + requested + "\": use 1-64 characters from A-Z a-z 0-9 . _ -; joined lobby.", "system");
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) {
    made.className = className;
  }
  if (text !== undefined) {
    made.textContent = text;
  }
  return made;
}

function append(item) {
  const main = messages.parentElement;
  const atBottom = main.scrollHeight - main.scrollTop - main.clientHeight < 40;
  messages.appendChild(item);
  if (atBottom) {
    main.scrollTop = main.scrollHeight;
  }
}

// A line from the page itself (welcome, notices, errors), not a message of the room.
function show(text, kind) {
  const item = element("li", kind);
  item.append(element("span", "text", text));
  append(item);
}

function setStatus(text, state) {
  status.textContent = text;
  status.className = "status " + state;
  sendButton.disabled = state !== "open";
}

// Text, whether a plain client's frame or this page's publish, shows as it is; any other JSON value as its JSON text,
// which is what plain clients receive for it. earlier: loaded from history, so its arrival says nothing of its time.
function render(message, earlier) {
  const item = element("li", earlier ? "message earlier" : "message");
  item.dataset.seq = message.seq;
  const meta = element("span", "meta", earlier ? "earlier" : undefined);
  if (!earlier) {
    const now = new Date();
    const time = element("time", "", clock.format(now));
    time.dateTime = now.toISOString();
    meta.append(time);
  }
  const text = message.binary
    ? element("span", "text binary", "[binary message, " + message.binary.byteLength + " bytes]")
    : element("span", "text", typeof message.data === "string" ? message.data : JSON.stringify(message.data));
  item.append(meta, text);
  if (ownSeqs.delete(message.seq)) {
    markOwn(item);
  }
  append(item);
}

// Seqs of this page's acknowledged messages not shown yet: the ack and the message may come in either order.
const ownSeqs = new Set();

function markOwn(item) {
  item.classList.add("own");
  item.querySelector(".meta").append(element("span", "who", "you"));
}

function own(seq) {
  const shown = messages.querySelector("li.message[data-seq=\"" + seq + "\"]");
  if (shown) {
    markOwn(shown);
  } else {
    ownSeqs.add(seq);
  }
}

// A new epoch numbers the room's messages from 1 again: seqs shown so far no longer name them.
function newEpoch() {
  ownSeqs.clear();
  messages.querySelectorAll("li[data-seq]").forEach((item) => item.removeAttribute("data-seq"));
}

function describe(error) {
  return error.code + ": " + error.message;
}

function count(n, what) {
  return numbers.format(n) + " " + what + (n === 1 ? "" : "s");
}

const TRANSPORTS = { websocket: "WebSocket", sse: "SSE fallback" };
let welcomed = false;
let me = null; // this page's connection id, from the welcome
const online = new Map(); // connection id -> user (null: a guest)
// The room's position as chorus.js keeps it: {epoch, seq} of the last message delivered, or of the subscribe or gap
// after which messages continue; null until the first subscribe is answered.
let position = null;
// A resume that recovered nothing already said so: the gap chorus.js reports right after it needs no second line.
let lossTold = false;

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

// The first subscribe starts the room; every later one is a resume after a reconnect, which either recovered the
// messages since the page's position (they follow) or went on live without them. Missed messages are counted where
// the position's epoch is the room's (or the page had none yet): another epoch numbers them afresh.
function subscribed(joined) {
  refreshOnline();
  if (position === null) {
    position = { epoch: joined.epoch, seq: joined.seq };
    return;
  }
  const counted = joined.epoch === position.epoch || position.seq === 0;
  const missed = joined.seq - position.seq;
  if (joined.recovered) {
    show(!counted ? "Reconnected — missed messages recovered."
      : missed === 0 ? "Reconnected — no messages missed."
        : "Reconnected — " + count(missed, "missed message") + " recovered.", "system reconnected");
  } else {
    show("Reconnected — " + (counted ? count(missed, "missed message") : "messages sent meanwhile")
      + " could not be recovered.", "system reconnected error");
    lossTold = true;
  }
  if (joined.epoch !== position.epoch) {
    newEpoch();
  }
  position = joined.recovered ? { epoch: joined.epoch, seq: position.seq } : { epoch: joined.epoch, seq: joined.seq };
}

function gap({ epoch, seq }) {
  if (!lossTold) {
    show(NOT_RECOVERED, "system error");
  }
  lossTold = false;
  if (epoch !== position?.epoch) {
    newEpoch();
  }
  position = { epoch, seq };
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
    onMessage: (message) => {
      position.seq = message.seq;
      showLive(message);
    },
    onGap: gap,
    onSubscribed: subscribed,
    onJoin: someoneJoined,
    onLeave: someoneLeft,
    onError: (error) => show("Left the room: " + describe(error), "system error"),
  });
  try {
    const history = await chorus.history(room);
    if (history.epoch === joined.epoch) {
      history.messages.filter((message) => message.seq <= joined.seq).forEach((message) => render(message, true));
    }
  } catch (error) {
    if (error.code !== "history_unavailable") {
      show("Earlier messages could not be loaded (" + describe(error) + ").", "system");
    }
  }
  waiting.forEach((message) => render(message, false));
  showLive = (message) => render(message, false);
  setInterval(refreshOnline, PRESENCE_REFRESH_MS);
}

join().catch((error) => show("Could not join the room (" + describe(error) + ").", "system error"));

function tell(text) {
  note.textContent = text;
  input.setAttribute("aria-invalid", "true");
}

function untell() {
  note.textContent = "";
  input.removeAttribute("aria-invalid");
}

// A message over the limit never left the page: it goes back into the box to be shortened. One the server refused
// shows its error, and goes back into the box for another try unless something new was typed meanwhile. One whose
// connection dropped before the answer may have been published: the resume will show it if so.
function notSent(error, text) {
  if (error.code === "disconnected") {
    show("Maybe not sent (" + describe(error) + "): " + text, "system error");
    return;
  }
  if (!input.value) {
    input.value = text;
  }
  if (error.code === "too_large" && error.limit) {
    tell("Too long: " + numbers.format(error.size) + " of at most " + numbers.format(error.limit) + " bytes.");
  } else {
    show("Not sent (" + describe(error) + "): " + text, "system error");
  }
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value;
  if (text && !sendButton.disabled) {
    input.value = "";
    untell();
    input.focus();
    chorus.publish(room, text).then((ack) => own(ack.seq), (error) => notSent(error, text));
  }
});
input.addEventListener("input", untell);
