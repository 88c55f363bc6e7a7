"use strict";

// Chorus chat page: one WebSocket to /ws/{room}, reconnecting with capped exponential backoff and jitter.
(() => {
  const ROOM_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
  const BACKOFF_FIRST_MS = 500;
  const BACKOFF_MAX_MS = 10000;

  const messages = document.getElementById("messages");
  const input = document.getElementById("messageInput");
  const composer = document.getElementById("composer");
  const status = document.getElementById("status");

  const requested = new URLSearchParams(location.search).get("room") || "lobby";
  const room = ROOM_PATTERN.test(requested) ? requested : "lobby";
  document.getElementById("room").textContent = room;
  if (room !== requested) {
    show("Invalid room name \"" + requested + "\": use 1-64 characters from A-Z a-z 0-9 . _ -; joined lobby.", "system");
  }

  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/" + room;
  let socket = null;
  let failures = 0;

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

  function describe(data) {
    if (typeof data !== "string") {
      return { text: "[binary message, " + data.byteLength + " bytes]", kind: "system" };
    }
    try {
      const parsed = JSON.parse(data);
      if (parsed && parsed.type === "welcome" && typeof parsed.message === "string") {
        return { text: parsed.message, kind: "system" };
      }
    } catch (notJson) {
      // Plain text: shown as it is.
    }
    return { text: data, kind: "" };
  }

  function connect() {
    setStatus("connecting…", "connecting");
    socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    socket.addEventListener("open", () => {
      failures = 0;
      setStatus("connected", "open");
    });
    socket.addEventListener("message", (event) => {
      const message = describe(event.data);
      show(message.text, message.kind);
    });
    socket.addEventListener("close", (event) => {
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** failures) * (0.5 + Math.random() / 2);
      failures++;
      const why = event.reason ? " (" + event.code + " " + event.reason + ")" : "";
      setStatus("disconnected" + why + ", retrying in " + Math.round(delay / 1000) + " s", "closed");
      setTimeout(connect, delay);
    });
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (text && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(text);
      input.value = "";
    }
  });

  connect();
})();
