package io.chorus.tls;

import io.chorus.config.Setting;
import io.chorus.config.Tls;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The bytes of the key material's files at one moment, and their digest. Comparing digests, not modification times,
 * sees every change: Kubernetes updates a mounted Secret by swapping a symbolic link, which leaves the files' own
 * times as they were, and a copy may keep the old time ({@code cp -p}).
 *
 * @param contents each file of {@link Tls.KeyMaterial#files()}, in that order
 * @param digest   SHA-256 over all of them
 */
record KeyMaterialFiles(Tls.KeyMaterial material, List<Buffer> contents, String digest) {

  /** Reads every file; blocking, a few kilobytes. */
  static KeyMaterialFiles read(Tls.KeyMaterial material) throws UnusableCertificate {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JRE", e);
    }
    List<Buffer> contents = new ArrayList<>();
    for (Path file : material.files()) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new UnusableCertificate("cannot read " + settingOf(material, file) + " " + file + ": " + e);
      }
      sha256.update(bytes);
      contents.add(Buffer.buffer(bytes));
    }
    return new KeyMaterialFiles(material, List.copyOf(contents), HexFormat.of().formatHex(sha256.digest()));
  }

  /** The setting that names {@code file}, for messages. */
  static String settingOf(Tls.KeyMaterial material, Path file) {
    if (material instanceof Tls.Pem pem) {
      return (file.equals(pem.certificate()) ? Setting.TLS_CERT : Setting.TLS_KEY).key();
    }
    return Setting.TLS_KEYSTORE.key();
  }
}
