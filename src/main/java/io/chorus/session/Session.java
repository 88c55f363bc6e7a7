package io.chorus.session;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Connection;
import io.chorus.hub.Envelope;
import io.chorus.hub.Hub;
import io.chorus.hub.Membership;
import io.chorus.hub.Message;
import io.chorus.hub.Position;
import io.chorus.hub.Present;
import io.chorus.hub.RoomName;
import io.chorus.metrics.Drop;
import io.chorus.metrics.Where;
import io.chorus.security.RateLimiter;
import io.vertx.core.Future;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;


/**
 * One client connection as the hub and the protocol see it, whatever transport carries it: the rooms it is in, its
 * rate limit, the protocol spoken on it, when it was last heard from and pinged, and its disconnect. Created by
 * {@link Sessions#open} when a transport accepts a client; touched by its event loop only.
 *
 * <p>Inbound, the transport hands it whole, valid messages (framing, UTF-8 and size already checked): plain mode
 * publishes them, chorus.v1 reads them as {@link Commands}. Outbound, the hub calls {@link #send}, {@link #flush}
 * and {@link #close}, and the session passes them to its transport, applying the slow-consumer policy when the
 * transport's output is backed up.
 */
public final class Session extends Connection {

  /**
   * How long before its token expires a chorus.v1 client is asked for a fresh one: time for a page to fetch a token
   * from its backend (a round trip or two) even on a slow network, and for a heartbeat tick (at most 1 s) to notice.
   */
  static final long REFRESH_LEAD_MILLIS = 30_000;

  private final Sessions sessions;
  /**
   * The connection's id: its welcome names it (chorus.v1), and presence lists it. Kept as a number and spelled out
   * when asked, a few times in a connection's life: as a string it would cost every idle connection 48 bytes more.
   */
  private final long id;
  private final Transport transport;
  private final Protocol protocol;
  /** The room the connection's path names; null for {@code /} and {@code /ws} (plain mode's lobby). */
  private final String pathRoom;
  /** chorus.v1's rooms at start, each with the position to resume from (null: fresh); empty for none. */
  private final Map<String, Position> startRooms;
  /** Null when there is no rate limit. */
  private final RateLimiter rateLimiter;
  /** Null in plain mode. */
  private final Commands commands;
  /** What the client's token allows; null while a chorus.v1 client opened without one has not sent connect. */
  private Grant grant;
  /** Whether the client has been asked for a fresh token for its current grant. */
  private boolean refreshAsked;
  private final long openedNanos;
  /** Whether plain mode's one room lets this client publish, read once: its grant never changes. */
  private boolean plainMayPublish;
  /** Plain mode's one room; chorus.v1 keeps its rooms in {@link Commands}. */
  private Membership plainRoom;
  /**
   * The rooms presence lists this session in: those it joined, until it leaves them; null while none. Most sessions
   * are in one room (plain mode's only one), held as an immutable one-room set (24 bytes, against a HashSet's 120);
   * a second room turns it into a HashSet.
   */
  private Set<String> present;
  /** This session's index in its registry; -1 once forgotten. */
  int slot = -1;
  private boolean serving = true;
  private long lastHeardNanos;
  private long lastPingNanos;

  Session(Sessions sessions, Transport transport, Protocol protocol, String pathRoom, Map<String, Position> startRooms,
      RateLimiter rateLimiter, Grant grant) {
    this.sessions = sessions;
    this.id = sessions.newClientId();
    this.transport = transport;
    this.protocol = protocol;
    this.pathRoom = pathRoom;
    this.startRooms = startRooms;
    this.rateLimiter = rateLimiter;
    this.grant = grant;
    this.commands = protocol == Protocol.STRUCTURED ? new Commands(this, sessions) : null;
    this.lastHeardNanos = sessions.now();
    this.openedNanos = lastHeardNanos;
    this.lastPingNanos = lastHeardNanos;
  }

  /**
   * The transport is ready to carry messages. Plain mode joins the path's room and sends the welcome once
   * broadcasts can reach the client; chorus.v1 sends its welcome at once, then subscribes to its rooms at start (the
   * path's room, if any), as if the client had asked.
   */
  public void start() {
    if (!serving) {
      return;
    }
    if (protocol == Protocol.PLAIN) {
      String room = pathRoom == null ? RoomName.DEFAULT : pathRoom;
      plainMayPublish = grant.permissions().mayPublish(room);
      plainRoom = sessions.hub().join(room, this, null, joined -> {
        if (joined.failed()) {
          close(CloseReason.INTERNAL_ERROR);
          return;
        }
        attended(room);
        if (send(sessions.welcome())) {
          flush();
        }
      });
    } else {
      commands.start(startRooms);
    }
  }

  /** The connection's id, unique in practice across a cluster. */
  public String id() {
    return HexFormat.of().toHexDigits(id);
  }

  /** Something, even a keep-alive answer, came from the client. */
  public void heard() {
    lastHeardNanos = sessions.now();
  }

  /** A whole message from the client, already checked by the transport for framing, encoding and size. */
  public void onMessage(byte[] payload, boolean binary) {
    if (!serving) {
      return;
    }
    switch (protocol) {
      case PLAIN -> {
        if (!plainMayPublish) {
          // Not broadcast: a plain client cannot be told per message, and what it sends next would be refused too.
          close(CloseReason.FORBIDDEN);
        } else if (admitted()) {
          String room = pathRoom == null ? RoomName.DEFAULT : pathRoom;
          Envelope.Kind kind = binary ? Envelope.Kind.BINARY : Envelope.Kind.TEXT;
          sessions.hub().publish(Envelope.incoming(room, payload, kind));
        }
      }
      case STRUCTURED -> commands.handle(payload, binary);
    }
  }

  /** Who the client is: the token's subject and info, or anonymous (also while a connect is awaited). */
  public Identity identity() {
    return grant == null ? Identity.ANONYMOUS : grant.identity();
  }

  /** What the client's token allows; null while a connect is awaited. */
  Grant grant() {
    return grant;
  }

  /** A connect or a refresh brought a token: it replaces the grant, and is asked to refresh in its turn. */
  void grant(Grant grant) {
    this.grant = grant;
    this.refreshAsked = false;
  }

  @Override
  public boolean send(Message message) {
    try {
      if (commands == null) {
        return taken(transport.write(message));
      }
      Envelope envelope = message.envelope();
      Transport.Write outcome = commands.tellGap(envelope.room()) ? transport.write(message) : Transport.Write.BACKED_UP;
      if (outcome == Transport.Write.BACKED_UP) {
        commands.skipped(envelope.room(), new Position(envelope.epoch(), envelope.seq()));
      }
      return taken(outcome);
    } catch (RuntimeException bug) {
      return failed(bug);
    }
  }

  @Override
  public void skipped(String room, Position position) {
    if (commands != null && serving) {
      commands.skipped(room, position);
    }
  }

  @Override
  public boolean writable() {
    return transport.writable();
  }

  @Override
  public void whenWritable(Runnable task) {
    transport.whenWritable(task);
  }

  @Override
  public void flush() {
    transport.flush();
  }

  /** Disconnects: the transport sends the reason and closes; the session stops serving at once. */
  @Override
  public void close(CloseReason reason) {
    transport.close(reason);
  }

  /** The transport is closing, whoever began it: the session leaves its rooms and ignores the client from now on. */
  public void stopServing() {
    serving = false;
    if (plainRoom != null) {
      plainRoom.leave();
      departed(plainRoom.room());
    }
    if (commands != null) {
      commands.leaveAll();
    }
  }

  /** The connection is gone. */
  public void closed() {
    stopServing();
    sessions.forget(this);
  }

  /** Queues a text for this client alone (a welcome, a reply, a notice); false when the transport skipped it. */
  boolean sendText(String text) {
    Message message = Message.text(text);
    try {
      return taken(transport.writeText(message));
    } catch (RuntimeException bug) {
      return failed(bug);
    } finally {
      message.release();
    }
  }

  /** The session joined the room: presence lists it there. */
  void attended(String room) {
    if (present == null) {
      present = Set.of(room);
    } else if (!present.contains(room)) {
      Set<String> rooms = new HashSet<>(present);
      rooms.add(room);
      present = rooms;
    }
    sessions.presence().joined(room, new Present(id(), identity().user(), identity().info()));
  }

  /** The session left the room, or is leaving it: presence no longer lists it there, if it did. */
  void departed(String room) {
    if (present != null && present.contains(room)) {
      if (present.size() == 1) {
        present = null;
      } else {
        present.remove(room);
      }
      sessions.presence().left(room, new Present(id(), identity().user(), identity().info()));
    }
  }

  /** Whether the client is told of joins and leaves: chorus.v1 clients are, plain ones have no words for them. */
  boolean hearsPresence() {
    return protocol == Protocol.STRUCTURED && serving;
  }

  boolean isServing() {
    return serving;
  }

  /** Whether the rate limit lets one more message or command through; closes the session when told to. */
  boolean admitted() {
    if (rateLimiter == null) {
      return true;
    }
    switch (rateLimiter.admit(System.nanoTime())) {
      case ACCEPT -> {
        return true;
      }
      case CLOSE -> close(CloseReason.RATE_LIMITED);
      case DROP -> { }
    }
    sessions.metrics().dropped(Drop.RATE_LIMIT, 1);
    return false;
  }

  Hub hub() {
    return sessions.hub();
  }

  /** Publishes; the future completes on this session's event loop. */
  Future<Position> publish(Envelope incoming) {
    return onLoop(sessions.hub().publish(incoming));
  }

  /** The future, completing on this session's event loop whatever thread completes {@code future}. */
  <T> Future<T> onLoop(Future<T> future) {
    return Future.future(promise -> future.onComplete(result -> sessions.hub().onLoop(() -> promise.handle(result))));
  }

  /**
   * Called every tick of the event loop's heartbeat: pings when due, closes when the client has gone silent, when it
   * opened without a token and sent no connect in time, or when its token expired; asks a chorus.v1 client for a fresh
   * token {@link #REFRESH_LEAD_MILLIS} before. Only a client that can send can be heard from, so only a bidirectional
   * transport's session ever times out or is asked to refresh; an SSE stream just ends when its token expires.
   */
  void heartbeat(long now) {
    if (!serving) {
      return;
    }
    if (transport.bidirectional() && now - lastHeardNanos > sessions.idleTimeoutNanos()) {
      close(CloseReason.IDLE_TIMEOUT);
    } else if (grant == null && now - openedNanos > sessions.connectTimeoutNanos()) {
      close(CloseReason.CONNECT_TIMEOUT);
    } else if (grant != null && sessions.nowMillis() >= grant.expiresAtMillis()) {
      close(CloseReason.TOKEN_EXPIRED);
    } else if (grant != null && !refreshAsked && commands != null && transport.bidirectional()
        && grant.expiresAtMillis() - sessions.nowMillis() <= REFRESH_LEAD_MILLIS) {
      refreshAsked = true;
      commands.askRefresh(grant.expiresAtMillis() - sessions.nowMillis());
    } else if (now - lastPingNanos >= sessions.pingIntervalNanos()) {
      lastPingNanos = now;
      transport.ping();
    }
  }

  /** Whether the transport took a message; a backed-up output meets the slow-consumer policy. */
  private boolean taken(Transport.Write outcome) {
    if (outcome == Transport.Write.QUEUED) {
      return true;
    }
    if (outcome == Transport.Write.BACKED_UP) {
      sessions.metrics().dropped(Drop.SLOW_CONSUMER, 1);
      if (sessions.disconnectsSlowConsumers()) {
        close(CloseReason.SLOW_CONSUMER);
      }
    }
    return false;
  }

  /** One connection's fault must not end the broadcast for the others in the room. */
  private boolean failed(RuntimeException bug) {
    sessions.metrics().failures().report(Where.SESSION, bug);
    close(CloseReason.INTERNAL_ERROR);
    return false;
  }
}
