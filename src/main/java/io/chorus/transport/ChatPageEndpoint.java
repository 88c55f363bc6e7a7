package io.chorus.transport;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Serves the chat page, its script and style, and the chorus.v1 browser client {@code chorus.js} from the jar. Read
 * once at start and kept in memory: four small files, no file-system access, nothing extracted to disk.
 */
public final class ChatPageEndpoint {

  private static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'";

  private final Buffer page = read("webroot/index.html");
  private final Buffer script = read("webroot/chat.js");
  private final Buffer style = read("webroot/chat.css");
  private final Buffer client = read("webroot/chorus.js");

  public void page(RoutingContext routing) {
    serve(routing, page, "text/html; charset=utf-8");
  }

  public void script(RoutingContext routing) {
    serve(routing, script, "text/javascript; charset=utf-8");
  }

  public void style(RoutingContext routing) {
    serve(routing, style, "text/css; charset=utf-8");
  }

  public void client(RoutingContext routing) {
    serve(routing, client, "text/javascript; charset=utf-8");
  }

  private static void serve(RoutingContext routing, Buffer body, String contentType) {
    routing.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, contentType)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .end(body);
  }

  private static Buffer read(String resource) {
    try (InputStream in = ChatPageEndpoint.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + resource, e);
    }
  }
}
