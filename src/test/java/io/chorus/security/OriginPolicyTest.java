package io.chorus.security;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class OriginPolicyTest {

  private final OriginPolicy defaults = new OriginPolicy(Set.of());

  @Test
  void nonBrowserClientsWithoutOriginAreAccepted() {
    assertThat(defaults.allows(null, "chat.example.com")).isTrue();
  }

  @Test
  void sameHostNameIsAcceptedWhateverTheSchemeAndPort() {
    assertThat(defaults.allows("https://chat.example.com", "chat.example.com")).isTrue();
    assertThat(defaults.allows("http://Chat.Example.com:8080", "chat.example.com:8080")).isTrue();
    assertThat(defaults.allows("http://[2001:db8::1]:8080", "[2001:db8::1]:8080")).isTrue();
  }

  @Test
  void loopbackPagesOnAnyPortAreAccepted() {
    assertThat(defaults.allows("http://localhost:5173", "chat.example.com")).isTrue();
    assertThat(defaults.allows("http://127.0.0.1:3000", "127.0.0.1:8080")).isTrue();
    assertThat(defaults.allows("http://[::1]:9000", "localhost:8080")).isTrue();
  }

  @Test
  void otherSitesAndFilePagesAreRefused() {
    assertThat(defaults.allows("https://evil.example", "chat.example.com")).isFalse();
    assertThat(defaults.allows("https://chat.example.com.evil.example", "chat.example.com")).isFalse();
    assertThat(defaults.allows("null", "localhost:8080")).isFalse();
    assertThat(defaults.allows("file://", "localhost:8080")).isFalse();
  }

  @Test
  void allowedListAddsOriginsAndStarAllowsAll() {
    OriginPolicy listed = new OriginPolicy(Set.of("https://app.example.org", "null"));

    assertThat(listed.allows("https://app.example.org", "chat.example.com")).isTrue();
    assertThat(listed.allows("null", "localhost:8080")).isTrue();
    assertThat(listed.allows("https://other.example.org", "chat.example.com")).isFalse();
    assertThat(new OriginPolicy(Set.of("*")).allows("https://anything.example", "x")).isTrue();
  }
}
