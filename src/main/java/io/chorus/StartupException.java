package io.chorus;

/** A start that failed: names the step and the underlying problem in one line. */
public final class StartupException extends RuntimeException {

  StartupException(String step, Throwable cause) {
    super("cannot " + step + ": " + rootMessage(cause), cause);
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null ? root.getClass().getSimpleName() : message;
  }
}
