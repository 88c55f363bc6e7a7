/*
 * chorus.js: the browser client of Chorus's structured protocol, chorus.v1. One ES module, no dependencies.
 *
 *   const chorus = connect("ws://host/ws", { onState(state, info) {}, fallback: true });
 *     Opens a WebSocket offering sub-protocol chorus.v1 (connect to /ws or /: no room at start) and keeps it open:
 *     after any close it reconnects after a random delay in 0 .. min(10 s, 0.5 s × 2^failures) (full jitter, so
 *     that a server's clients do not all return at once), failures counting from the last welcome. A socket not
 *     welcomed within 10 s is closed and counts as a failure.
 *     onState: "connecting"; "open" with the welcome {message, client} and who the server took it for {user, info}
 *     (user null: anonymous); "closed" with {code, reason, retryIn} (ms; null: it will not reconnect); every info
 *     also names its transport: "websocket" or "sse".
 *     token (optional): the connection token (JWT), or a function returning it or a Promise of it, called for each
 *     connection and when the server asks for a fresh one before the current one expires. Every socket sends it as
 *     its first command, {"type":"connect","token":…} (none: anonymous), so it never appears in a URL of a socket.
 *     A refused token closes the socket with a code from 4500 (the reason in {reason}): the client stops, since
 *     retrying the same token would be refused again. Codes 4000-4499 (e.g. 4001 token expired) reconnect, calling
 *     the token function again. On the fallback the token goes as ?token= on the stream (an EventSource cannot send
 *     headers) and as Authorization: Bearer on the HTTP API's requests, which may do what a socket with it may; a
 *     token function is called for each stream, and again when the API answers 401 to the last token.
 *     fallback (off unless given): when there is no WebSocket in the browser, or 3 sockets in a row closed within
 *     10 s of being opened (a proxy that refuses or cuts WebSockets), the client receives over Server-Sent Events
 *     (an EventSource on /sse, next to the socket's path) and publishes and reads history over the HTTP API (fetch),
 *     then tries a WebSocket again every 30 .. 60 s and moves back to it once one is welcomed. Each room continues
 *     from its last message across every move. fallback: {retryWebSocketAfter: ms} changes the 30 s (the wait is
 *     ms .. 2 × ms).
 *   chorus.subscribe(room, handlers, { since }) -> Promise of {room, epoch, seq, recovered}
 *     handlers.onMessage({room, seq, data}) or ({room, seq, binary: Uint8Array}): each message once, in order.
 *     handlers.onSubscribed({room, epoch, seq, recovered}): after the subscribe and after every resume.
 *     handlers.onGap({room, epoch, seq}): messages up to seq were missed (a resume with recovered:false, or the
 *       server's gap push); the next message follows seq.
 *     handlers.onJoin({room, client, user}) and handlers.onLeave({room, client, user}): a connection joined or left
 *       the room (user null for an anonymous one), where the server announces it (its presence-rooms setting).
 *     handlers.onError(error): a resume was refused, or the server unsubscribed the client (code "forbidden": a
 *       refreshed token no longer allows the room); the room is no longer subscribed. A subscribe or resume refused
 *       with "unavailable" or "rate_limited" is not refused for good: it is tried again after a backoff delay.
 *     since ({epoch, seq}, optional, e.g. kept across a page load) resumes from there instead of starting live.
 *     After every reconnect the room resumes from the last message delivered; repeated messages (seq not above it)
 *     are dropped.
 *   chorus.unsubscribe(room) -> Promise of {room}
 *   chorus.publish(room, data) -> Promise of the ack {room, seq}; data: any JSON value, or bytes (Uint8Array,
 *     ArrayBuffer) sent as binary. A message that would be over the server's limit (the welcome's max_message_size,
 *     counted as sent: the whole command on a socket, the body on the fallback) is not sent: the promise rejects with
 *     code "too_large" and the error's size and limit in bytes, where the server would have closed the socket (1009).
 *   chorus.history(room, { since, limit }) -> Promise of {room, epoch, seq, messages}, oldest first.
 *   chorus.presence(room) -> Promise of {room, clients: [{client, user, info?}], truncated?}: who is in a room this
 *     client is subscribed to (the server lists 1,000 connections at most; truncated: true when there are more).
 *   chorus.close()
 *
 * Commands issued while disconnected wait for the next connection. A command already sent when the connection drops
 * is rejected with code "disconnected" (the close code and reason in its message): it may or may not have taken
 * effect. Rejections are ChorusError with the server's code ("rate_limited", "invalid_room", ...) and message. On
 * the fallback, publishes go one at a time, so that they are numbered in the order they were made, as on a socket.
 */

const PROTOCOL = "chorus.v1";
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10000;
const RETRIED = new Set(["unavailable", "rate_limited"]); // refusals that a later try may not meet
const ROOM_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
// A socket that lives less than 10 s, or is not welcomed within them, failed. Three in a row take 1.5 s on average
// (the backoff above) where a proxy refuses the upgrade, yet a drain or one cut connection is one, not three.
const SHORT_LIVED_MS = 10000;
const FAILURES_BEFORE_FALLBACK = 3;
// Long enough for a fallen-back client to cost a blocked network little, short enough to return within a minute.
const RETRY_WEBSOCKET_AFTER_MS = 30000;

export class ChorusError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.name = "ChorusError";
    this.code = code;
    Object.assign(this, details); // too_large: {size, limit}
  }
}

export function connect(url, options = {}) {
  return new Chorus(url, options.onState || (() => {}), options.fallback, options.token);
}

class Chorus {
  #url;
  #onState;
  #socket = null;
  #open = false; // welcomed on the socket, or on the stream while on the fallback
  #closed = false;
  #failures = 0;
  #timer = null;
  #nextId = 1;
  #pending = new Map(); // command id -> {resolve, reject}, for commands sent on this connection
  #queue = []; // commands waiting for a connection
  // room -> {handlers, position: {epoch, seq} of the last message delivered, first: the subscribe's promise until
  // its first answer, retries: refusals since the last answer}
  #rooms = new Map();
  // The fallback: the HTTP address next to the socket's (null: no fallback), the wait before trying a socket again,
  // sockets that failed in a row, whether it is in use, its EventSource (null while it has no room or waits to be
  // opened again) and the timer of that wait, whether the stream is to be opened again, and the last POST.
  #http = null;
  #retryWebSocketAfter = RETRY_WEBSOCKET_AFTER_MS;
  #shortLived = 0;
  #onFallback = false;
  #stream = null;
  #streamTimer = null;
  #relistening = false;
  #streamOpenings = 0; // the last stream opening wins when a token function answers late
  #posted = Promise.resolve();
  // The largest message the server takes, in bytes, from its last welcome (none yet, or a server that does not say:
  // no check here).
  #maxMessageSize = Infinity;
  // The token option, the last token it gave (for the fallback's requests), and why the server refused it.
  #tokenSource;
  #token;
  #refusal = null;

  constructor(url, onState, fallback, token) {
    this.#url = url;
    this.#onState = onState;
    this.#tokenSource = token;
    this.#token = typeof token === "function" ? undefined : token;
    if (fallback) {
      this.#http = httpAddress(url);
      this.#retryWebSocketAfter = fallback.retryWebSocketAfter ?? RETRY_WEBSOCKET_AFTER_MS;
    }
    this.#connect();
  }

  subscribe(room, handlers = {}, { since } = {}) {
    if (!ROOM_PATTERN.test(room)) {
      return Promise.reject(new ChorusError("invalid_room", "a room name is 1-64 characters from A-Z a-z 0-9 . _ -"));
    }
    if (this.#rooms.has(room)) {
      return Promise.reject(new ChorusError("already_subscribed", "already subscribed to " + room));
    }
    return new Promise((resolve, reject) => {
      const subscription = { handlers, position: since ? { ...since } : null, first: { resolve, reject }, retries: 0 };
      this.#rooms.set(room, subscription);
      if (this.#onFallback) {
        this.#relisten();
      } else if (this.#open) {
        this.#join(room, subscription);
      }
    });
  }

  unsubscribe(room) {
    const subscription = this.#rooms.get(room);
    if (!subscription) {
      return Promise.reject(new ChorusError("not_subscribed", "not subscribed to " + room));
    }
    this.#rooms.delete(room);
    subscription.first?.reject(new ChorusError("unsubscribed", "unsubscribed from " + room + " before joining"));
    if (this.#onFallback) {
      this.#relisten();
      return Promise.resolve({ room });
    }
    return this.#open ? this.#request({ type: "unsubscribe", room }).then(() => ({ room })) : Promise.resolve({ room });
  }

  publish(room, data) {
    const bytes = data instanceof ArrayBuffer || ArrayBuffer.isView(data);
    const command = bytes ? { type: "publish", room, binary: toBase64(data) } : { type: "publish", room, data };
    return this.#request(command).then((ack) => ({ room: ack.room, seq: ack.seq }));
  }

  history(room, { since, limit } = {}) {
    return this.#request({ type: "history", room, since, limit }).then((reply) => ({
      room: reply.room, epoch: reply.epoch, seq: reply.seq, messages: reply.messages.map(decode),
    }));
  }

  presence(room) {
    return this.#request({ type: "presence", room }).then((reply) => ({
      room: reply.room, clients: reply.clients, truncated: reply.truncated,
    }));
  }

  close() {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#streamTimer);
    const closed = new ChorusError("closed", "the client was closed");
    this.#queue.splice(0).forEach((command) => command.reject(closed));
    this.#rooms.forEach((subscription) => subscription.first?.reject(closed));
    this.#rooms.clear();
    this.#stream?.close();
    this.#stream = null;
    if (this.#socket) {
      this.#socket.close(1000);
    } else {
      this.#onState("closed", { code: 1000, reason: "", retryIn: null, transport: this.#transport() });
    }
  }

  // On the fallback, a socket tried in the background: the stream goes on until it is welcomed.
  #connect() {
    if (this.#http && typeof WebSocket !== "function") {
      this.#fallBack();
      return;
    }
    if (!this.#onFallback) {
      this.#onState("connecting", { transport: "websocket" });
    }
    const socket = new WebSocket(this.#url, PROTOCOL);
    const opened = Date.now();
    const unwelcomed = setTimeout(() => socket.close(), SHORT_LIVED_MS);
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "welcome") {
        clearTimeout(unwelcomed);
      }
      this.#receive(frame);
    };
    socket.onclose = (event) => {
      clearTimeout(unwelcomed);
      this.#lost(event, Date.now() - opened < SHORT_LIVED_MS);
    };
    this.#socket = socket;
  }

  #receive(frame) {
    switch (frame.type) {
      case "welcome": return this.#welcomed(frame);
      case "message": return this.#deliver(frame);
      case "gap": return this.#gap(frame);
      case "join": return this.#rooms.get(frame.room)?.handlers.onJoin?.(presenceChange(frame));
      case "leave": return this.#rooms.get(frame.room)?.handlers.onLeave?.(presenceChange(frame));
      case "refresh": return this.#refresh(frame);
      case "unsubscribed": return frame.id === undefined ? this.#revoked(frame) : this.#reply(frame);
      default: return this.#reply(frame);
    }
  }

  // Rooms are resumed before queued commands go out, so a queued publish to a subscribed room is seen by its sender.
  // A socket welcomed while on the fallback takes over from the stream: each room resumes where the stream left it.
  #welcomed(welcome) {
    if (this.#onFallback) {
      this.#onFallback = false;
      clearTimeout(this.#streamTimer);
      this.#stream?.close();
      this.#stream = null;
      this.#open = false; // commands wait for the socket's connect
    }
    this.#maxMessageSize = welcome.max_message_size ?? Infinity;
    this.#authenticate(this.#socket, welcome);
  }

  // The connect command goes first, and nothing else until it is answered: the server holds every other command of a
  // connection without a token as unauthorized.
  async #authenticate(socket, welcome) {
    let token;
    try {
      token = await this.#nextToken();
    } catch (error) {
      this.#refusal = "no token: " + error.message;
      socket.close(4000);
      return;
    }
    if (socket !== this.#socket) {
      return;
    }
    const id = this.#nextId++;
    this.#pending.set(id, {
      resolve: (connected) => this.#connected(welcome, connected),
      reject: (error) => { this.#refusal = error.message; },
    });
    socket.send(JSON.stringify({ id, type: "connect", token }));
  }

  #connected(welcome, connected) {
    this.#open = true;
    this.#failures = 0;
    this.#refusal = null;
    this.#rooms.forEach((subscription, room) => this.#join(room, subscription));
    this.#queue.splice(0).forEach(({ command, resolve, reject }) => this.#send(command, resolve, reject));
    this.#onState("open", { message: welcome.message, client: welcome.client, user: connected.user,
      info: connected.info, transport: "websocket" });
  }

  async #nextToken() {
    this.#token = typeof this.#tokenSource === "function" ? await this.#tokenSource() : this.#tokenSource;
    return this.#token;
  }

  // Only a token function can give a fresh token; without one the socket closes when the token expires (4001).
  async #refresh() {
    if (typeof this.#tokenSource !== "function") {
      return;
    }
    const socket = this.#socket;
    const token = await this.#nextToken().catch(() => null);
    if (token && socket === this.#socket && this.#open) {
      this.#send({ type: "refresh", token }, () => {}, () => {});
    }
  }

  #join(room, subscription) {
    this.#send({ type: "subscribe", room, since: subscription.position || undefined },
      (reply) => this.#joined(room, subscription, reply),
      (error) => this.#refused(room, subscription, error));
  }

  // Called synchronously on the reply, before the messages that follow it are delivered.
  #joined(room, subscription, reply) {
    if (!subscription || this.#rooms.get(room) !== subscription) {
      return;
    }
    if (!reply.recovered) {
      // Live from the room's current position; a recovered resume replays what follows the old one instead.
      subscription.position = { epoch: reply.epoch, seq: reply.seq };
    }
    subscription.retries = 0;
    const joined = { room, epoch: reply.epoch, seq: reply.seq, recovered: reply.recovered };
    subscription.first?.resolve(joined);
    subscription.first = null;
    subscription.handlers.onSubscribed?.(joined);
    if (reply.recovered === false) {
      subscription.handlers.onGap?.({ room, epoch: reply.epoch, seq: reply.seq });
    }
  }

  #refused(room, subscription, error) {
    if (error.code === "disconnected" || this.#rooms.get(room) !== subscription) {
      return; // sent again on the next connection, or no longer wanted
    }
    if (RETRIED.has(error.code)) {
      const socket = this.#socket;
      setTimeout(() => {
        // Only on the same connection: a new one has sent it again on its welcome.
        if (this.#socket === socket && this.#rooms.get(room) === subscription) {
          this.#join(room, subscription);
        }
      }, backoff(subscription.retries++));
      return;
    }
    this.#rooms.delete(room);
    if (subscription.first) {
      subscription.first.reject(error);
    } else {
      subscription.handlers.onError?.(error);
    }
  }

  // The server's own unsubscribe (a push, without id): the room is given up, as after a refused resume.
  #revoked({ room, reason }) {
    const subscription = this.#rooms.get(room);
    if (subscription) {
      this.#refused(room, subscription, new ChorusError(reason || "unsubscribed", "the server unsubscribed this client "
        + "from " + room + (reason === "forbidden" ? ": its token no longer allows the room" : "")));
    }
  }

  #deliver(frame) {
    const subscription = this.#rooms.get(frame.room);
    if (!subscription?.position || frame.seq <= subscription.position.seq) {
      return;
    }
    subscription.position.seq = frame.seq;
    subscription.handlers.onMessage?.(decode(frame));
  }

  #gap(frame) {
    const subscription = this.#rooms.get(frame.room);
    if (!subscription?.position) {
      return;
    }
    subscription.position = { epoch: frame.epoch, seq: frame.seq };
    subscription.handlers.onGap?.({ room: frame.room, epoch: frame.epoch, seq: frame.seq });
  }

  #reply(frame) {
    const waiting = this.#pending.get(frame.id);
    if (!waiting) {
      return; // a push without id, e.g. the subscribed of a /ws/{room} address
    }
    this.#pending.delete(frame.id);
    if (frame.type === "error") {
      waiting.reject(new ChorusError(frame.code, frame.message));
    } else {
      waiting.resolve(frame);
    }
  }

  #request(command) {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(new ChorusError("closed", "the client was closed"));
      } else if (this.#open) {
        this.#send(command, resolve, reject);
      } else {
        this.#queue.push({ command, resolve, reject });
      }
    });
  }

  #send(command, resolve, reject) {
    if (this.#onFallback) {
      this.#fetch(command).then(resolve, reject);
      return;
    }
    const id = this.#nextId++;
    const frame = JSON.stringify({ id, ...command });
    const tooLarge = this.#tooLarge(frame);
    if (tooLarge) {
      reject(tooLarge);
      return;
    }
    this.#pending.set(id, { resolve, reject });
    this.#socket.send(frame);
  }

  // The refusal of a message over the server's limit (its UTF-8 bytes, or its bytes), or null when it fits.
  #tooLarge(message) {
    const size = typeof message === "string" ? new TextEncoder().encode(message).length : message.byteLength;
    return size <= this.#maxMessageSize ? null : new ChorusError("too_large", "the message is " + size
      + " bytes, over the server's limit of " + this.#maxMessageSize + " (max-message-size)",
      { size, limit: this.#maxMessageSize });
  }

  #lost(event, shortLived) {
    if (!this.#onFallback) {
      this.#open = false; // a socket tried from the fallback never opened: the stream still serves
    }
    this.#socket = null;
    const why = "connection closed before the reply (" + event.code + (event.reason ? " " + event.reason : "") + ")";
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    pending.forEach((waiting) => waiting.reject(new ChorusError("disconnected", why)));
    if (this.#closed) {
      this.#onState("closed", { code: event.code, reason: event.reason, retryIn: null, transport: this.#transport() });
      return;
    }
    if (this.#onFallback) {
      this.#timer = setTimeout(() => this.#connect(), this.#retryWebSocketAfter * (1 + Math.random()));
      return;
    }
    if (event.code >= 4500 && event.code <= 4999) {
      // Refused for good: the same token would be refused again.
      this.#closed = true;
      const reason = this.#refusal || event.reason;
      this.#onState("closed", { code: event.code, reason, retryIn: null, transport: "websocket" });
      return;
    }
    this.#shortLived = shortLived ? this.#shortLived + 1 : 0;
    if (this.#http && this.#shortLived >= FAILURES_BEFORE_FALLBACK) {
      this.#fallBack();
      return;
    }
    const retryIn = backoff(this.#failures++);
    this.#timer = setTimeout(() => this.#connect(), retryIn);
    this.#onState("closed", { code: event.code, reason: event.reason, retryIn, transport: "websocket" });
  }

  #transport() {
    return this.#onFallback ? "sse" : "websocket";
  }

  // Commands waiting for the socket wait for the stream instead.
  #fallBack() {
    this.#onFallback = true;
    this.#shortLived = 0;
    this.#failures = 0;
    this.#onState("connecting", { transport: "sse" });
    this.#relisten();
    if (typeof WebSocket === "function") {
      this.#timer = setTimeout(() => this.#connect(), this.#retryWebSocketAfter * (1 + Math.random()));
    }
  }

  // Once the current task is done, so that the rooms a page subscribes to at once share one stream.
  #relisten() {
    if (this.#relistening) {
      return;
    }
    this.#relistening = true;
    queueMicrotask(() => {
      this.#relistening = false;
      if (this.#onFallback && !this.#closed) {
        this.#listen();
      }
    });
  }

  // One stream for every room, each from its position (the query's since: the stream's first request cannot send
  // Last-Event-ID). The browser reconnects a dropped stream by itself, with the last event's id, which holds every
  // room's position; a refused one (a full or draining node) is opened again here after a backoff delay.
  async #listen() {
    clearTimeout(this.#streamTimer);
    this.#stream?.close();
    this.#stream = null;
    const opening = ++this.#streamOpenings;
    const rooms = [...this.#rooms.keys()];
    if (rooms.length === 0) {
      this.#streamOpened({});
      return;
    }
    if (typeof this.#tokenSource === "function") {
      await this.#nextToken().catch(() => {});
      if (opening !== this.#streamOpenings || !this.#onFallback || this.#closed) {
        return;
      }
    }
    const positions = rooms.filter((room) => this.#rooms.get(room).position)
      .map((room) => room + "=" + this.#rooms.get(room).position.epoch + ":" + this.#rooms.get(room).position.seq);
    const query = rooms.map((room) => "room=" + room).join("&")
      + (positions.length ? "&since=" + encodeURIComponent(positions.join(",")) : "")
      + (this.#token ? "&token=" + encodeURIComponent(this.#token) : "");
    const stream = new EventSource(this.#http + "/sse?" + query);
    const on = (type, handler) => stream.addEventListener(type, (event) => handler(JSON.parse(event.data)));
    on("welcome", (welcome) => this.#streamOpened(welcome));
    on("subscribed", (reply) => this.#joined(reply.room, this.#rooms.get(reply.room), reply));
    on("message", (frame) => this.#deliver(frame));
    on("gap", (frame) => this.#gap(frame));
    on("join", (frame) => this.#receive(frame));
    on("leave", (frame) => this.#receive(frame));
    stream.onerror = () => this.#streamLost(stream);
    this.#stream = stream;
  }

  #streamOpened(welcome) {
    this.#failures = 0;
    this.#maxMessageSize = welcome.max_message_size ?? this.#maxMessageSize;
    if (this.#open) {
      return; // the stream opened again for other rooms
    }
    this.#open = true;
    this.#queue.splice(0).forEach(({ command, resolve, reject }) => this.#send(command, resolve, reject));
    this.#onState("open", { message: welcome.message, client: welcome.client, user: welcome.user ?? null,
      info: welcome.info, transport: "sse" });
  }

  #streamLost(stream) {
    if (stream !== this.#stream) {
      return;
    }
    if (this.#open) {
      this.#open = false;
      this.#onState("connecting", { transport: "sse" });
    }
    if (stream.readyState === EventSource.CLOSED) {
      this.#stream = null;
      this.#streamTimer = setTimeout(() => this.#listen(), backoff(this.#failures++));
    }
  }

  // publish, history and presence over the HTTP API; publishes wait for the one before, to be numbered in order.
  #fetch({ type, room, data, binary, since, limit }) {
    if (type === "presence") {
      return this.#fetchWithToken(this.#http + "/api/rooms/" + room + "/presence").then(answer, unreachable);
    }
    const messages = this.#http + "/api/rooms/" + room + "/messages";
    if (type === "history") {
      const query = new URLSearchParams();
      if (since) {
        query.set("since", since.epoch + ":" + since.seq);
      }
      if (limit !== undefined) {
        query.set("limit", limit);
      }
      return this.#fetchWithToken(messages + "?" + query).then(answer, unreachable);
    }
    const body = binary === undefined
      ? { headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) }
      : { headers: { "Content-Type": "application/octet-stream" }, body: fromBase64(binary) };
    const tooLarge = this.#tooLarge(body.body);
    if (tooLarge) {
      return Promise.reject(tooLarge);
    }
    const created = this.#posted.then(() => this.#fetchWithToken(messages, { method: "POST", ...body }))
      .then(answer, unreachable);
    this.#posted = created.catch(() => {});
    return created;
  }

  // With the connection's token, if it has one; a token function is asked for a fresh one when the API answers 401
  // (the last may have expired), and the request is made once more with it.
  async #fetchWithToken(url, init = {}) {
    const send = (token) => fetch(url, token ? { ...init, headers: { ...init.headers, Authorization: "Bearer " + token } }
      : init);
    const response = await send(this.#token);
    if (response.status !== 401 || typeof this.#tokenSource !== "function") {
      return response;
    }
    return send(await this.#nextToken().catch(() => undefined));
  }
}

// The HTTP address next to a socket's: ws://host/chat/ws -> http://host/chat.
function httpAddress(url) {
  const address = new URL(url.replace(/^ws/, "http"), location.href);
  return address.origin + address.pathname.replace(/\/(ws)?$/, "");
}

// A 2xx answer's JSON, or its RFC 9457 problem as a ChorusError: "urn:chorus:problem:rate-limited" -> rate_limited.
async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    return body;
  }
  const code = String(body.type || "unavailable").replace("urn:chorus:problem:", "").replaceAll("-", "_");
  throw new ChorusError(code, body.detail || "HTTP " + response.status);
}

// fetch rejects only when no answer came: like a command sent on a socket that dropped, it may have taken effect.
function unreachable(error) {
  throw new ChorusError("disconnected", "the request failed: " + error.message);
}

// Full jitter: a random delay up to the exponential bound, so that clients refused together do not return together.
function backoff(failures) {
  return Math.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** failures);
}

function presenceChange({ room, client, user }) {
  return { room, client, user };
}

function decode({ room, seq, data, binary }) {
  return binary === undefined ? { room, seq, data } : { room, seq, binary: fromBase64(binary) };
}

function toBase64(bytes) {
  const view = bytes instanceof ArrayBuffer
    ? new Uint8Array(bytes)
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text = "";
  for (let i = 0; i < view.length; i += 0x8000) {
    text += String.fromCharCode(...view.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
