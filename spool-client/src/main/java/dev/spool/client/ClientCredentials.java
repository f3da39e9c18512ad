package dev.spool.client;

import java.nio.file.Path;
import java.util.Optional;

import dev.spool.api.SpoolException;

/**
 * What a client proves itself and its server with: a bearer token sent on every request and
 * stream, the CA bundle that verifies the server's certificate (else the JDK's trusted roots), and a
 * client certificate and key for mutual TLS. PEM files; see {@code docs/security.md}.
 *
 * @param token the bearer token, or empty
 * @param caFile PEM CA certificates trusted for the server, or empty
 * @param certFile PEM client certificate chain, or empty; with {@code keyFile}
 * @param keyFile PEM client private key, or empty; with {@code certFile}
 */
public record ClientCredentials(Optional<String> token, Optional<Path> caFile, Optional<Path> certFile,
        Optional<Path> keyFile) {
    /** No token, the JDK's trust, no client certificate. */
    public static final ClientCredentials NONE = new ClientCredentials(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());

    /** Checks that certificate and key come together. */
    public ClientCredentials {
        if (token == null || caFile == null || certFile == null || keyFile == null) {
            throw new IllegalArgumentException("credential fields must not be null");
        }
        if (certFile.isPresent() != keyFile.isPresent()) {
            throw SpoolException.invalid("cert", "a client certificate and its key go together (--cert and --cert-key)");
        }
        token.ifPresent(t -> {
            if (t.isBlank() || t.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
                throw SpoolException.invalid("token", "a token is printable ASCII without spaces");
            }
        });
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "ClientCredentials[token=" + (token.isPresent() ? "***" : "none") + ", caFile=" + caFile
                + ", certFile=" + certFile + ", keyFile=" + keyFile + "]";
    }
}
