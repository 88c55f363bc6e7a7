package io.chorus.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Many HTTP requests written back to back on one raw connection, as a hostile client pipelines them, while another
 * thread reads the answers as they come.
 */
public final class Pipeline {

  private static final byte[] STATUS_LINE = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);

  private Pipeline() {
  }

  /**
   * Sends every request (a request line; a Host header is added) on one connection and reads until as many answers
   * came back, or the server closed the connection.
   *
   * @return the number of answers read
   */
  public static int send(int port, List<String> requestLines) throws Exception {
    StringBuilder all = new StringBuilder();
    for (String line : requestLines) {
      all.append(line).append("\r\nHost: 127.0.0.1\r\n\r\n");
    }
    byte[] bytes = all.toString().getBytes(StandardCharsets.US_ASCII);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      Thread writer = new Thread(() -> {
        try {
          out.write(bytes);
          out.flush();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, "pipeline-writer");
      writer.start();
      int answers = countAnswers(socket.getInputStream(), requestLines.size());
      writer.join(20_000);
      return answers;
    }
  }

  /** Counts status lines in the stream; a body never holds "HTTP/1.1 " here (pages, JSON, the exposition). */
  private static int countAnswers(InputStream in, int expected) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    int answers = 0;
    int matched = 0;
    while (answers < expected) {
      int read = in.read(buffer);
      if (read < 0) {
        break;
      }
      for (int i = 0; i < read; i++) {
        matched = buffer[i] == STATUS_LINE[matched] ? matched + 1 : buffer[i] == STATUS_LINE[0] ? 1 : 0;
        if (matched == STATUS_LINE.length) {
          answers++;
          matched = 0;
        }
      }
    }
    return answers;
  }
}
