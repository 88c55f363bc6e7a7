package io.chorus.session;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Connection;
import io.chorus.hub.Membership;
import io.chorus.hub.Message;
import io.chorus.metrics.Drop;
import io.chorus.metrics.Where;
import io.chorus.security.RateLimiter;

import java.util.HashMap;
import java.util.Map;

/**
 * One client connection as the hub and the protocol see it, whatever transport carries it: the rooms it is in, its
 * rate limit, the protocol spoken on it, when it was last heard from and pinged, and its disconnect. Created by
 * {@link Sessions#open} when a transport accepts a client; touched by its event loop only.
 *
 * <p>Inbound, the transport hands it whole, valid messages (framing, UTF-8 and size already checked). Outbound, the
 * hub calls {@link #send}, {@link #flush} and {@link #close}, and the session passes them to its transport, applying
 * the slow-consumer policy when the transport's output is backed up.
 */
public final class Session extends Connection {

  private final Sessions sessions;
  private final Transport transport;
  private final Protocol protocol = Protocol.PLAIN;
  /** The room named by the connection's path: in plain mode the one room it receives from and publishes to. */
  private final String room;
  /** Null when there is no rate limit. */
  private final RateLimiter rateLimiter;
  private final Map<String, Membership> rooms = new HashMap<>(2);
  /** This session's index in its registry; -1 once forgotten. */
  int slot = -1;
  private boolean serving = true;
  private long lastHeardNanos;
  private long lastPingNanos;

  Session(Sessions sessions, Transport transport, String room, RateLimiter rateLimiter) {
    this.sessions = sessions;
    this.transport = transport;
    this.room = room;
    this.rateLimiter = rateLimiter;
    this.lastHeardNanos = sessions.now();
    this.lastPingNanos = lastHeardNanos;
  }

  /**
   * The transport is ready to carry messages: joins the session's rooms; the welcome message goes out once
   * broadcasts can reach it.
   */
  public void start() {
    if (!serving) {
      return;
    }
    Membership membership = sessions.hub().join(room, this);
    rooms.put(room, membership);
    membership.ready().onComplete(joined -> {
      if (joined.failed()) {
        close(CloseReason.INTERNAL_ERROR);
      } else if (send(sessions.welcome())) {
        flush();
      }
    });
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
      case PLAIN -> publish(room, payload, binary);
    }
  }

  @Override
  public boolean send(Message message) {
    try {
      Transport.Write outcome = transport.write(message);
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
    } catch (RuntimeException bug) {
      // One connection's fault must not end the broadcast for the others in the room.
      sessions.metrics().failures().report(Where.SESSION, bug);
      close(CloseReason.INTERNAL_ERROR);
      return false;
    }
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
    for (Membership membership : rooms.values()) {
      membership.leave();
    }
    rooms.clear();
  }

  /** The connection is gone. */
  public void closed() {
    stopServing();
    sessions.forget(this);
  }

  /**
   * Called every tick of the event loop's heartbeat: pings when due, closes when the client has gone silent. Only a
   * client that can send can be heard from, so only a bidirectional transport's session ever times out.
   */
  void heartbeat(long now) {
    if (!serving) {
      return;
    }
    if (transport.bidirectional() && now - lastHeardNanos > sessions.idleTimeoutNanos()) {
      close(CloseReason.IDLE_TIMEOUT);
    } else if (now - lastPingNanos >= sessions.pingIntervalNanos()) {
      lastPingNanos = now;
      transport.ping();
    }
  }

  private void publish(String target, byte[] payload, boolean binary) {
    if (rateLimiter != null) {
      switch (rateLimiter.admit(System.nanoTime())) {
        case DROP -> {
          sessions.metrics().dropped(Drop.RATE_LIMIT, 1);
          return;
        }
        case CLOSE -> {
          sessions.metrics().dropped(Drop.RATE_LIMIT, 1);
          close(CloseReason.RATE_LIMITED);
          return;
        }
        case ACCEPT -> { }
      }
    }
    sessions.hub().publish(target, payload, binary);
  }
}
