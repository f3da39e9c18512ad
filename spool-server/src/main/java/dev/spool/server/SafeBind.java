package dev.spool.server;

import java.net.InetAddress;
import java.net.UnknownHostException;

import dev.spool.api.SpoolException;

/**
 * The safe default of DESIGN §4: a server without TLS and required authentication is open to
 * whoever reaches its port, so it may listen only on a loopback address unless the configuration
 * says {@code insecure: true}.
 */
final class SafeBind {
    private SafeBind() {
    }

    /**
     * Refuses an open server on a non-loopback address.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code host}, with what to do
     */
    static void check(ServerConfig config) {
        if (config.security().secured() || config.security().insecure()) {
            return;
        }
        String host = config.listener().host();
        if (!loopback(host)) {
            throw SpoolException.invalid("host", "refusing to listen on " + host + " without TLS and authentication: "
                    + "anyone who reaches the port could read, ack and delete every queue. Configure tls-cert, "
                    + "tls-key and auth: required (docs/security.md), bind 127.0.0.1, or pass --insecure to accept "
                    + "the risk");
        }
    }

    static boolean loopback(String host) {
        if ("localhost".equalsIgnoreCase(host)) {
            return true;
        }
        try {
            // a literal address or a name: a name that resolves to a non-loopback address is not loopback
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
