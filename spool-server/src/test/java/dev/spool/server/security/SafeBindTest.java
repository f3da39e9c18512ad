package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.SpoolException;
import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * The safe default: an open server (no TLS and authentication) listens on loopback only, unless
 * {@code insecure} is set; a secured one may listen anywhere.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SafeBindTest {
    private static final Certs C = Certs.INSTANCE;

    private static SpoolServer start(ServerConfig c) throws Exception {
        return SpoolServer.start(c).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void shouldRefuseToListenOnAllInterfacesWhenOpen() {
        ServerConfig c = ServerConfig.ephemeralMemory();
        ServerConfig open = c.withListener(c.listener().withHost("0.0.0.0"));

        assertThatThrownBy(() -> start(open)).hasCauseInstanceOf(SpoolException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0 without TLS and authentication")
                .hasMessageContaining("--insecure");
    }

    @Test
    void shouldListenOnAllInterfacesWhenInsecureIsGiven() throws Exception {
        ServerConfig c = ServerConfig.load(Map.of("host", "0.0.0.0", "port", "0", "storage", "memory",
                "insecure", "true"), Map.of());

        try (SpoolServer s = start(c)) {
            assertThat(s.port()).isPositive();
        }
    }

    @Test
    void shouldListenOnAllInterfacesWhenTlsAndAuthAreOn() throws Exception {
        ServerConfig c = ServerConfig.ephemeralMemory();
        ServerConfig secured = c.withListener(c.listener().withHost("0.0.0.0")).withSecurity(c.security()
                .withTls(new SecurityConfig.Tls(C.server.cert(), C.server.key(), Optional.empty(), true, 0))
                .withAuthRequired(true));

        try (SpoolServer s = start(secured)) {
            assertThat(s.url()).startsWith("https://");
        }
    }

    @Test
    void shouldRefuseWhenOnlyTlsIsOn() {
        ServerConfig c = ServerConfig.ephemeralMemory();
        ServerConfig tlsOnly = c.withListener(c.listener().withHost("0.0.0.0")).withSecurity(c.security()
                .withTls(new SecurityConfig.Tls(C.server.cert(), C.server.key(), Optional.empty(), true, 0)));

        assertThatThrownBy(() -> start(tlsOnly)).hasMessageContaining("refusing to listen");
    }

    @Test
    void shouldNotQuoteTheAdminTokenWhenItIsRejected() {
        assertThatThrownBy(() -> ServerConfig.load(Map.of("admin-token", "short-secret"), Map.of()))
                .isInstanceOf(SpoolException.class).hasMessageContaining("admin-token")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short-secret"));
    }

    @Test
    void shouldReadSecurityKeysFromConfiguration() {
        ServerConfig c = ServerConfig.load(Map.of("tls-cert", C.server.cert().toString(), "tls-key",
                C.server.key().toString(), "tls-client-ca", C.ca.toString(), "tls-client-cert-required", "false",
                "auth", "required", "cert-grants", "worker-1=produce:orders.*", "open-metrics", "true"),
                Map.of("SPOOL_ADMIN_TOKEN", "0123456789abcdef0123"));

        assertThat(c.security().secured()).isTrue();
        assertThat(c.security().tls().orElseThrow().clientCertRequired()).isFalse();
        assertThat(c.security().certGrants().get("worker-1")).extracting(Permission::toString)
                .containsExactly("produce:orders.*");
        assertThat(c.security().adminToken()).contains("0123456789abcdef0123");
        assertThat(c.security().toString()).doesNotContain("0123456789abcdef0123");
        assertThat(c.security().openMetrics()).isTrue();
    }
}
