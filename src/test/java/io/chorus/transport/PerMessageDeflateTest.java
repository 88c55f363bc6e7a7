package io.chorus.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PerMessageDeflateTest {

  private static final String SHARED = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

  private static Optional<String> answer(String... headers) {
    return PerMessageDeflate.negotiate(List.of(headers)).map(PerMessageDeflate::answer);
  }

  @Test
  void whatBrowsersOfferIsAcceptedWithNeitherSideKeepingContext() {
    assertThat(answer("permessage-deflate; client_max_window_bits")).contains(SHARED);
    assertThat(answer("permessage-deflate")).contains(SHARED);
  }

  @Test
  void contextTakeoverParametersAskedForAreAnsweredOnce() {
    assertThat(answer("permessage-deflate; client_no_context_takeover")).contains(SHARED);
    assertThat(answer("permessage-deflate; server_no_context_takeover; client_no_context_takeover")).contains(SHARED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"permessage-deflate; client_max_window_bits=10",
      "permessage-deflate; client_max_window_bits=\"15\"", "permessage-deflate;client_max_window_bits=8", "PerMessage-Deflate ; Client_Max_Window_Bits"})
  void anyClientWindowIsAcceptedAndNotNamedInTheAnswer(String offer) {
    assertThat(answer(offer)).contains(SHARED);
  }

  @Test
  void aServerWindowOf15IsAcceptedAndRepeated() {
    assertThat(answer("permessage-deflate; server_max_window_bits=15"))
        .contains(SHARED + "; server_max_window_bits=15");
  }

  @ParameterizedTest
  @ValueSource(strings = {"permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits",
      "permessage-deflate; client_max_window_bits=16", "permessage-deflate; client_max_window_bits=7",
      "permessage-deflate; client_max_window_bits=010", "permessage-deflate; client_max_window_bits=abc",
      "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
      "permessage-deflate; client_no_context_takeover=1", "permessage-deflate; server_no_context_takeover=yes",
      "permessage-deflate; x-unknown", "deflate-frame", "x-webkit-deflate-frame", ""})
  void anOfferTheServerCannotHonourIsDeclinedNotRefused(String offer) {
    assertThat(answer(offer)).isEmpty();
  }

  @Test
  void theFirstAcceptableOfferOfSeveralIsTaken() {
    assertThat(answer("permessage-deflate; server_max_window_bits=10, permessage-deflate; client_no_context_takeover"))
        .contains(SHARED);
    assertThat(answer("x-webkit-deflate-frame", "permessage-deflate")).contains(SHARED);
  }
}
