package io.chorus.tls;

import io.chorus.config.Tls;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PfxOptions;

import javax.net.ssl.KeyManager;
import javax.net.ssl.X509KeyManager;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A certificate chain and its private key, read and checked: what a TLS port serves.
 *
 * @param options     the key material as Vert.x takes it, built from the bytes that were checked, never from the paths,
 *                    so that a file replaced meanwhile cannot slip in unchecked
 * @param certificate the server's own certificate, first of its chain
 * @param digest      of the files it was read from
 */
record ServerCertificate(KeyCertOptions options, X509Certificate certificate, String digest) {

  private static final Pattern PEM_CERTIFICATE = Pattern.compile("-----BEGIN CERTIFICATE-----");
  private static final Pattern PEM_KEY = Pattern.compile("-----BEGIN (RSA |EC )?PRIVATE KEY-----");
  /** The key types Vert.x reads from PEM files: RSA (PKCS#1 or PKCS#8) and EC (SEC1 or PKCS#8). */
  private static final List<String> KEY_TYPES = List.of("RSA", "EC");

  /**
   * Parses the files and checks that the private key belongs to the certificate: Vert.x would take a key of another
   * certificate without a word, and every handshake would then fail.
   */
  static ServerCertificate of(KeyMaterialFiles files) throws UnusableCertificate {
    KeyCertOptions options = files.material() instanceof Tls.Pem pem ? pem(pem, files) : pkcs12(files);
    X509KeyManager keys = keyManager(options, files.material());
    String alias = KEY_TYPES.stream()
        .map(type -> keys.getServerAliases(type, null))
        .filter(Objects::nonNull)
        .flatMap(Arrays::stream)
        .findFirst()
        .orElseThrow(() -> new UnusableCertificate("no RSA or EC private key in " + named(files.material())));
    X509Certificate certificate = keys.getCertificateChain(alias)[0];
    if (!belongTogether(keys.getPrivateKey(alias), certificate.getPublicKey())) {
      throw new UnusableCertificate("the private key in " + named(files.material())
          + " does not belong to the certificate " + describe(certificate));
    }
    return new ServerCertificate(options, certificate, files.digest());
  }

  /** Subject, serial number and expiry, for the logs. */
  String describe() {
    return describe(certificate);
  }

  /** Why clients would refuse it at {@code now}, if they would: expired, or not valid yet. */
  Optional<String> invalidAt(Instant now) {
    if (now.isAfter(certificate.getNotAfter().toInstant())) {
      return Optional.of("expired at " + certificate.getNotAfter().toInstant());
    }
    if (now.isBefore(certificate.getNotBefore().toInstant())) {
      return Optional.of("not valid before " + certificate.getNotBefore().toInstant());
    }
    return Optional.empty();
  }

  private static String describe(X509Certificate certificate) {
    return "'" + certificate.getSubjectX500Principal().getName() + "' (serial "
        + certificate.getSerialNumber().toString(16) + ", expires " + certificate.getNotAfter().toInstant() + ")";
  }

  private static KeyCertOptions pem(Tls.Pem pem, KeyMaterialFiles files) throws UnusableCertificate {
    Buffer certificate = files.contents().get(0);
    Buffer key = files.contents().get(1);
    if (!PEM_CERTIFICATE.matcher(certificate.toString(StandardCharsets.US_ASCII)).find()) {
      throw new UnusableCertificate(
          "tls-cert " + pem.certificate() + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    String keyText = key.toString(StandardCharsets.US_ASCII);
    if (keyText.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      throw new UnusableCertificate("tls-key " + pem.key() + " is encrypted; Chorus reads unencrypted keys "
          + "(openssl pkey -in " + pem.key() + " -out key.pem asks for the passphrase once)");
    }
    if (!PEM_KEY.matcher(keyText).find()) {
      throw new UnusableCertificate("tls-key " + pem.key()
          + " holds no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }
    return new PemKeyCertOptions().setCertValue(certificate).setKeyValue(key);
  }

  private static KeyCertOptions pkcs12(KeyMaterialFiles files) {
    Tls.Pkcs12 pkcs12 = (Tls.Pkcs12) files.material();
    return new PfxOptions().setValue(files.contents().get(0)).setPassword(pkcs12.password());
  }

  private static X509KeyManager keyManager(KeyCertOptions options, Tls.KeyMaterial material)
      throws UnusableCertificate {
    try {
      // No Vert.x instance needed: the options hold the bytes, not paths.
      for (KeyManager manager : options.getKeyManagerFactory(null).getKeyManagers()) {
        if (manager instanceof X509KeyManager x509) {
          return x509;
        }
      }
    } catch (Exception e) {
      throw new UnusableCertificate("cannot read " + named(material) + ": " + rootMessage(e));
    }
    throw new UnusableCertificate("no X.509 key material in " + named(material));
  }

  /** Signs a random challenge with the private key and checks the signature with the certificate's public key. */
  private static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static String named(Tls.KeyMaterial material) {
    if (material instanceof Tls.Pem pem) {
      return "tls-cert " + pem.certificate() + " and tls-key " + pem.key();
    }
    return "tls-keystore " + ((Tls.Pkcs12) material).keystore();
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }
}
