package io.chorus.hub;

/** A connection joined ({@code joined}) or left a room that announces it. */
public record PresenceChange(boolean joined, String room, Present present) {
}
