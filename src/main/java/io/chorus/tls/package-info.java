/**
 * TLS: the server's certificate read and checked from PEM or PKCS#12 files, the engine (OpenSSL when Netty's
 * BoringSSL build is on the class path), the TLS options of each port, and reloads without a restart. Imports
 * config and metrics only; the transports never see it.
 */
package io.chorus.tls;
