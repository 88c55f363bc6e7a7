package io.chorus;

import io.chorus.support.RawWebSocket;
import io.chorus.support.ServerFixture;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** What the server answers to upgrade requests before any WebSocket exists. */
class HandshakeIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with();

  @ParameterizedTest
  @ValueSource(strings = {"/ws/", "/ws/two%20words", "/ws/a/b", "/ws/caf%C3%A9", "/ws/semi;colon",
      "/ws/0123456789012345678901234567890123456789012345678901234567890123456789"})
  void invalidRoomNameIsRefusedWithBadRequest(String path) throws Exception {
    try (RawWebSocket socket = RawWebSocket.connect(server.port(), path)) {
      assertThat(socket.status()).isEqualTo(400);
      assertThat(socket.body()).startsWith("Invalid room name");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/ws/a", "/ws/Room-1.2_3", "/ws/0123456789012345678901234567890123456789012345678901234567890123"})
  void validRoomNameIsUpgraded(String path) throws Exception {
    try (RawWebSocket socket = RawWebSocket.connect(server.port(), path)) {
      assertThat(socket.status()).isEqualTo(101);
      assertThat(socket.read().text()).contains("welcome");
    }
  }
}
