package io.chorus.hub;

import io.vertx.core.json.JsonObject;

/**
 * One connection as a room's presence lists it.
 *
 * @param client the connection's id, as its welcome names it
 * @param user   the subject of its token; null for an anonymous connection
 * @param info   what its token tells about the user, for other clients to show; null when nothing
 */
public record Present(String client, String user, JsonObject info) {
}
