package io.chorus.fanout;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.URI;
import javax.net.ssl.SSLException;

/**
 * TLS for {@code wss://} targets. Loopback benchmarks only (the targets are checked to be 127.0.0.0/8), so any
 * certificate is trusted: the server under test presents one generated at bench time. OpenSSL (BoringSSL) when it
 * loads, as the server uses it, so that the generator's share of the TLS cost stays small.
 */
final class ClientTls {
    private ClientTls() {
    }

    /** The context for {@code url}, or null for {@code ws://}. */
    static SslContext forUrl(URI url) {
        if (!"wss".equals(url.getScheme())) {
            return null;
        }
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot make a TLS client context: " + e.getMessage(), e);
        }
    }

    /** Which engine encrypts, for the report. */
    static String engine() {
        return OpenSsl.isAvailable() ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }
}
