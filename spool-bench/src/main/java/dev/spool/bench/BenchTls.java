package dev.spool.bench;

import java.net.URI;

import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * What every driver does with {@code --cacert}, {@code --auth-token} and an {@code https://} URL,
 * so that each scenario runs against a secured server as it runs against an open one. TLS uses
 * BoringSSL when it loads (as the server does with {@code tls-engine: auto}): the load generator
 * shares the machine with the server, and the JDK's TLS would make it the larger cost of a
 * secured run.
 */
final class BenchTls {
    private BenchTls() {
    }

    /** Turns TLS on for an {@code https://} URL, trusting {@code --cacert} if given. */
    static <T extends ClientOptionsBase> T client(T o, URI url, CommonOptions c) {
        if ("https".equals(url.getScheme())) {
            o.setSsl(true);
            if (OpenSSLEngineOptions.isAvailable()) {
                o.setSslEngineOptions(new OpenSSLEngineOptions());
            }
            if (c.cacert != null) {
                o.setTrustOptions(new PemTrustOptions().addCertPath(c.cacert));
            }
        }
        return o;
    }

    /** The {@code Authorization} header value of {@code --auth-token}, or null without one. */
    static String authorization(CommonOptions c) {
        return c.authToken == null || c.authToken.isEmpty() ? null : "Bearer " + c.authToken;
    }

    /** Adds the bearer token, if any, to a request. */
    static RequestOptions auth(RequestOptions o, String authorization) {
        return authorization == null ? o : o.putHeader("Authorization", authorization);
    }

    /** Adds the bearer token, if any, to a WebSocket upgrade. */
    static WebSocketConnectOptions auth(WebSocketConnectOptions o, String authorization) {
        return authorization == null ? o : o.addHeader("Authorization", authorization);
    }
}
