package io.chorus.metrics;

import io.micrometer.core.instrument.Tags;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.observability.HttpRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Defence in depth: RequestPolicy refuses made-up methods before Vert.x's meters see them, and should it ever let one
 * through, the method label still comes from a closed set.
 */
class MethodTagTest {

  @Test
  void knownMethodsKeepTheirNameAndAnyOtherBecomesOther() {
    assertThat(MethodTag.of(request(HttpMethod.GET))).isEqualTo(Tags.of("method", "GET"));
    assertThat(MethodTag.of(request(HttpMethod.PATCH))).isEqualTo(Tags.of("method", "PATCH"));
    for (int i = 0; i < 1_000; i++) {
      assertThat(MethodTag.of(request(HttpMethod.valueOf("FLOOD" + i)))).isEqualTo(Tags.of("method", "other"));
    }
  }

  private static HttpRequest request(HttpMethod method) {
    return new HttpRequest() {
      @Override
      public int id() {
        return 1;
      }

      @Override
      public String uri() {
        return "/";
      }

      @Override
      public String absoluteURI() {
        return "http://localhost/";
      }

      @Override
      public HttpMethod method() {
        return method;
      }

      @Override
      public MultiMap headers() {
        return MultiMap.caseInsensitiveMultiMap();
      }

      @Override
      public SocketAddress remoteAddress() {
        return SocketAddress.inetSocketAddress(1, "127.0.0.1");
      }
    };
  }
}
