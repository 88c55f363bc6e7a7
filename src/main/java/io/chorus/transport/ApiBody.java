package io.chorus.transport;

import io.chorus.hub.Envelope;
import io.chorus.session.HttpMessages;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

import java.util.Locale;

/**
 * A POST's body as a room's message: the kind its content type stands for, its bytes read within a size and a time
 * bound, and the message they make. Vert.x would buffer any body it is asked to; these bounds keep one request from
 * holding more than a message's worth, or holding it for long.
 */
final class ApiBody {

  private ApiBody() {
  }

  /** The kind of message a content type stands for; null for one the API does not take (or a charset but UTF-8). */
  static Envelope.Kind kind(String contentType) {
    if (contentType == null) {
      return null;
    }
    String[] parts = contentType.split(";");
    String media = parts[0].trim().toLowerCase(Locale.ROOT);
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim().toLowerCase(Locale.ROOT).replace("\"", "");
      if (parameter.startsWith("charset=") && !parameter.equals("charset=utf-8")) {
        return null;
      }
    }
    return switch (media) {
      case "application/json" -> Envelope.Kind.JSON;
      case "text/plain" -> Envelope.Kind.TEXT;
      case "application/octet-stream" -> Envelope.Kind.BINARY;
      default -> null;
    };
  }

  /**
   * Reads the body, up to {@code max} bytes: a larger declared length is refused before a byte of it is read, and a
   * chunked body that grows past it as soon as it does ({@code tooLarge} runs, once); a body not whole within
   * {@code timeoutMillis} closes the connection. {@code whole} gets the bytes once the body has ended.
   */
  static void read(Vertx vertx, HttpServerRequest request, int max, long timeoutMillis, Runnable tooLarge,
      Handler<byte[]> whole) {
    long declared = declaredLength(request.getHeader(HttpHeaders.CONTENT_LENGTH));
    if (declared > max) {
      tooLarge.run();
      return;
    }
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
      request.response().writeContinue();
    }
    Buffer body = Buffer.buffer((int) Math.max(0, declared));
    boolean[] refused = {false};
    long deadline = vertx.setTimer(timeoutMillis, late -> request.connection().close());
    request.handler(chunk -> {
      if (refused[0]) {
        return;
      }
      if (body.length() + chunk.length() > max) {
        refused[0] = true;
        vertx.cancelTimer(deadline);
        tooLarge.run();
      } else {
        body.appendBuffer(chunk);
      }
    });
    request.exceptionHandler(broken -> vertx.cancelTimer(deadline));
    request.endHandler(end -> {
      vertx.cancelTimer(deadline);
      if (!refused[0]) {
        whole.handle(body.getBytes());
      }
    });
    request.resume();
  }

  /**
   * The message the body makes in {@code room}.
   *
   * @throws IllegalArgumentException when the body is not what its kind requires (strict JSON, UTF-8), with the reason
   */
  static Envelope message(String room, Envelope.Kind kind, byte[] body) {
    return switch (kind) {
      case JSON -> HttpMessages.json(room, body);
      case TEXT -> {
        if (!Utf8.isValid(body, body.length)) {
          throw new IllegalArgumentException("the body is not UTF-8");
        }
        yield Envelope.incoming(room, body, Envelope.Kind.TEXT);
      }
      case BINARY -> Envelope.incoming(room, body, Envelope.Kind.BINARY);
    };
  }

  /** The Content-Length, or -1 when absent (a chunked body); Vert.x's decoder has refused malformed ones. */
  private static long declaredLength(String contentLength) {
    try {
      return contentLength == null ? -1 : Long.parseLong(contentLength.trim());
    } catch (NumberFormatException malformed) {
      return -1;
    }
  }
}
