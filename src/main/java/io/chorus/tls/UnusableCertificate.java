package io.chorus.tls;

/** Key material that cannot be served: one line naming the setting, the file and what is wrong with it. */
public final class UnusableCertificate extends Exception {

  UnusableCertificate(String message) {
    super(message, null, false, false);
  }
}
