/*
 * chorus.js: the browser client of Chorus's structured protocol, chorus.v1. One ES module, no dependencies.
 *
 *   const chorus = connect("ws://host/ws", { onState(state, info) {} });
 *     Opens a WebSocket offering sub-protocol chorus.v1 (connect to /ws or /: no room at start) and keeps it open:
 *     after any close it reconnects after a random delay in 0 .. min(10 s, 0.5 s × 2^failures) (full jitter, so
 *     that a server's clients do not all return at once), failures counting from the last welcome.
 *     onState: "connecting"; "open" with the welcome {message, client}; "closed" with {code, reason, retryIn} (ms).
 *   chorus.subscribe(room, handlers, { since }) -> Promise of {room, epoch, seq, recovered}
 *     handlers.onMessage({room, seq, data}) or ({room, seq, binary: Uint8Array}): each message once, in order.
 *     handlers.onSubscribed({room, epoch, seq, recovered}): after the subscribe and after every resume.
 *     handlers.onGap({room, epoch, seq}): messages up to seq were missed (a resume with recovered:false, or the
 *       server's gap push); the next message follows seq.
 *     handlers.onError(error): a resume was refused; the room is no longer subscribed. A subscribe or resume refused
 *       with "unavailable" or "rate_limited" is not refused for good: it is tried again after a backoff delay.
 *     since ({epoch, seq}, optional, e.g. kept across a page load) resumes from there instead of starting live.
 *     After every reconnect the room resumes from the last message delivered; repeated messages (seq not above it)
 *     are dropped.
 *   chorus.unsubscribe(room) -> Promise of {room}
 *   chorus.publish(room, data) -> Promise of the ack {room, seq}; data: any JSON value, or bytes (Uint8Array,
 *     ArrayBuffer) sent as binary.
 *   chorus.history(room, { since, limit }) -> Promise of {room, epoch, seq, messages}, oldest first.
 *   chorus.close()
 *
 * Commands issued while disconnected wait for the next connection. A command already sent when the connection drops
 * is rejected with code "disconnected" (the close code and reason in its message): it may or may not have taken
 * effect. Rejections are ChorusError with the server's code ("rate_limited", "invalid_room", ...) and message.
 */

const PROTOCOL = "chorus.v1";
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10000;
const RETRIED = new Set(["unavailable", "rate_limited"]); // refusals that a later try may not meet

export class ChorusError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ChorusError";
    this.code = code;
  }
}

export function connect(url, options = {}) {
  return new Chorus(url, options.onState || (() => {}));
}

class Chorus {
  #url;
  #onState;
  #socket = null;
  #open = false;
  #closed = false;
  #failures = 0;
  #timer = null;
  #nextId = 1;
  #pending = new Map(); // command id -> {resolve, reject}, for commands sent on this connection
  #queue = []; // commands waiting for a connection
  // room -> {handlers, position: {epoch, seq} of the last message delivered, first: the subscribe's promise until
  // its first answer, retries: refusals since the last answer}
  #rooms = new Map();

  constructor(url, onState) {
    this.#url = url;
    this.#onState = onState;
    this.#connect();
  }

  subscribe(room, handlers = {}, { since } = {}) {
    if (this.#rooms.has(room)) {
      return Promise.reject(new ChorusError("already_subscribed", "already subscribed to " + room));
    }
    return new Promise((resolve, reject) => {
      const subscription = { handlers, position: since ? { ...since } : null, first: { resolve, reject }, retries: 0 };
      this.#rooms.set(room, subscription);
      if (this.#open) {
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

  close() {
    this.#closed = true;
    clearTimeout(this.#timer);
    const closed = new ChorusError("closed", "the client was closed");
    this.#queue.splice(0).forEach((command) => command.reject(closed));
    this.#rooms.forEach((subscription) => subscription.first?.reject(closed));
    this.#rooms.clear();
    this.#socket?.close(1000);
  }

  #connect() {
    this.#onState("connecting");
    const socket = new WebSocket(this.#url, PROTOCOL);
    socket.onmessage = (event) => this.#receive(JSON.parse(event.data));
    socket.onclose = (event) => this.#lost(event);
    this.#socket = socket;
  }

  #receive(frame) {
    switch (frame.type) {
      case "welcome": return this.#welcomed(frame);
      case "message": return this.#deliver(frame);
      case "gap": return this.#gap(frame);
      default: return this.#reply(frame);
    }
  }

  // Rooms are resumed before queued commands go out, so a queued publish to a subscribed room is seen by its sender.
  #welcomed(welcome) {
    this.#open = true;
    this.#failures = 0;
    this.#rooms.forEach((subscription, room) => this.#join(room, subscription));
    this.#queue.splice(0).forEach(({ command, resolve, reject }) => this.#send(command, resolve, reject));
    this.#onState("open", { message: welcome.message, client: welcome.client });
  }

  #join(room, subscription) {
    this.#send({ type: "subscribe", room, since: subscription.position || undefined },
      (reply) => this.#joined(room, subscription, reply),
      (error) => this.#refused(room, subscription, error));
  }

  // Called synchronously on the reply, before the messages that follow it are delivered.
  #joined(room, subscription, reply) {
    if (this.#rooms.get(room) !== subscription) {
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
    const id = this.#nextId++;
    this.#pending.set(id, { resolve, reject });
    this.#socket.send(JSON.stringify({ id, ...command }));
  }

  #lost(event) {
    this.#open = false;
    this.#socket = null;
    const why = "connection closed before the reply (" + event.code + (event.reason ? " " + event.reason : "") + ")";
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    pending.forEach((waiting) => waiting.reject(new ChorusError("disconnected", why)));
    if (this.#closed) {
      this.#onState("closed", { code: event.code, reason: event.reason, retryIn: null });
      return;
    }
    const retryIn = backoff(this.#failures++);
    this.#timer = setTimeout(() => this.#connect(), retryIn);
    this.#onState("closed", { code: event.code, reason: event.reason, retryIn });
  }
}

// Full jitter: a random delay up to the exponential bound, so that clients refused together do not return together.
function backoff(failures) {
  return Math.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** failures);
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
