package io.chorus.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemTrustOptions;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * A certificate authority made for one test, and the server certificates it signs for 127.0.0.1 and localhost: EC
 * P-256 keys made in memory and written under the test's temporary folder, never kept in the repository. Clients
 * trust this authority alone.
 */
public final class TestCa {

  private final KeyPair key;
  private final X509Certificate certificate;

  private TestCa(KeyPair key, X509Certificate certificate) {
    this.key = key;
    this.certificate = certificate;
  }

  public static TestCa create() throws Exception {
    KeyPair key = newKey();
    X500Name name = new X500Name("CN=Chorus Test CA");
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, key.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return new TestCa(key, sign(builder, key.getPrivate()));
  }

  /** A server certificate for 127.0.0.1 and localhost with this serial number, valid from an hour ago for a day. */
  public Issued issue(long serial) throws Exception {
    KeyPair serverKey = newKey();
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, BigInteger.valueOf(serial),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
        new X500Name("CN=chorus-test"), serverKey.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    return new Issued(sign(builder, key.getPrivate()), serverKey.getPrivate(), certificate);
  }

  /** Vert.x clients' trust: this authority only. */
  public PemTrustOptions trustOptions() throws Exception {
    return new PemTrustOptions().addCertValue(Buffer.buffer(pem("CERTIFICATE", certificate.getEncoded())));
  }

  /** A JDK client's TLS context (HttpClient, SSLSocket) that trusts this authority only. */
  public SSLContext sslContext() throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("chorus-test-ca", certificate);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  /** Completes a TLS handshake with the server on {@code port} and returns the certificate it presented. */
  public X509Certificate servedAt(int port) throws Exception {
    try (SSLSocket socket = (SSLSocket) sslContext().getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private static KeyPair newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuer) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer)));
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** A server certificate with its private key and the authority's certificate, its chain. */
  public record Issued(X509Certificate certificate, PrivateKey key, X509Certificate issuer) {

    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    /** The certificate and its chain, PEM. */
    public String certificatePem() throws Exception {
      return pem("CERTIFICATE", certificate.getEncoded()) + pem("CERTIFICATE", issuer.getEncoded());
    }

    /** The private key, unencrypted PKCS#8 PEM. */
    public String keyPem() {
      return pem("PRIVATE KEY", key.getEncoded());
    }

    /** Writes both PEM files, each replaced at once (a reader sees the old file or the new one, never half). */
    public void writePem(Path certificateFile, Path keyFile) throws Exception {
      replace(certificateFile, certificatePem().getBytes(StandardCharsets.US_ASCII));
      replace(keyFile, keyPem().getBytes(StandardCharsets.US_ASCII));
    }

    /** A PKCS#12 keystore holding the key and the chain, under {@code password}. */
    public byte[] pkcs12(String password) throws Exception {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("chorus", key, password.toCharArray(), new Certificate[] {certificate, issuer});
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      store.store(bytes, password.toCharArray());
      return bytes.toByteArray();
    }
  }

  /** Writes a file under a temporary name beside it, then renames it over the old one. */
  public static void replace(Path file, byte[] content) throws Exception {
    Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".replacing", ".tmp");
    Files.write(temporary, content);
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
