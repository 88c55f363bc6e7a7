package io.chorus.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * TLS on the server's ports, when a certificate is configured.
 *
 * @param keyMaterial    the certificate and its key; empty for plain HTTP
 * @param management     whether the management port serves TLS too
 * @param reloadInterval how often the key material's files are read for changes; zero: on SIGHUP only
 */
public record Tls(Optional<KeyMaterial> keyMaterial, boolean management, Duration reloadInterval) {

  public boolean enabled() {
    return keyMaterial.isPresent();
  }

  /** Where the certificate and its private key are read from. */
  public sealed interface KeyMaterial permits Pem, Pkcs12 {

    /** Every file it is read from, in a fixed order. */
    List<Path> files();
  }

  /** A PEM certificate chain (the server's certificate first) and its unencrypted PEM private key. */
  public record Pem(Path certificate, Path key) implements KeyMaterial {

    @Override
    public List<Path> files() {
      return List.of(certificate, key);
    }
  }

  /** A PKCS#12 keystore holding the private key and its certificate chain. */
  public record Pkcs12(Path keystore, String password) implements KeyMaterial {

    @Override
    public List<Path> files() {
      return List.of(keystore);
    }

    /** Without the password: a configuration is logged and printed in failures. */
    @Override
    public String toString() {
      return "Pkcs12[keystore=" + keystore + "]";
    }
  }
}
