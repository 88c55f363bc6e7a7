package io.chorus.session;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.chorus.hub.Envelope;
import io.chorus.hub.History;
import io.chorus.hub.Position;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * chorus.v1's messages for the HTTP API: a request body read as a message's {@code data}, with the same strictness
 * and the same outcome as a publish command's, and a room's history rendered as the {@code history} reply.
 */
public final class HttpMessages {

  private HttpMessages() {
  }

  /**
   * The body as a message of {@code room}, like chorus.v1's {@code data}: a JSON string becomes its text, any other
   * value the bytes the client sent (without the whitespace around it).
   *
   * @throws IllegalArgumentException when the body is not exactly one strict JSON value of at most
   *     {@link Request#MAX_DEPTH} levels, with the reason
   */
  public static Envelope json(String room, byte[] body) {
    try (JsonParser parser = Request.STRICT.createParser(body)) {
      JsonToken kind = parser.nextToken();
      if (kind == null) {
        throw new IllegalArgumentException("the body is empty: send one JSON value");
      }
      int start = (int) parser.currentTokenLocation().getByteOffset();
      String text = kind.isScalarValue() ? parser.getText() : null;
      parser.skipChildren();
      int end = (int) parser.currentLocation().getByteOffset();
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException("the body holds more than one JSON value");
      }
      if (kind == JsonToken.VALUE_STRING) {
        return Envelope.incoming(room, text.getBytes(StandardCharsets.UTF_8), Envelope.Kind.TEXT);
      }
      byte[] json = kind.isScalarValue() ? text.getBytes(StandardCharsets.US_ASCII) : Arrays.copyOfRange(body, start, end);
      return Envelope.incoming(room, json, Envelope.Kind.JSON);
    } catch (JsonProcessingException notJson) {
      String reason = notJson.getOriginalMessage();
      int line = reason.indexOf('\n');
      throw new IllegalArgumentException("the body is not one JSON value of at most " + Request.MAX_DEPTH
          + " levels: " + (line < 0 ? reason : reason.substring(0, line)));
    } catch (IOException cannotHappen) {
      throw new IllegalStateException("reading bytes in memory", cannotHappen);
    }
  }

  /**
   * The room's history as chorus.v1's {@code history} reply without an id: the newest {@code limit} messages after
   * {@code since} (all held when null or of another epoch) that fit in {@code budget} bytes.
   */
  public static String history(String room, History history, Position since, int limit, long budget) {
    return HistoryReply.render(null, room, history, since, limit, budget);
  }
}
