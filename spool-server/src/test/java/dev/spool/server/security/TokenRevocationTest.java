package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * A token that requests keep using (so its verification is cached) is refused as soon as the token
 * store has reloaded after its revocation in storage by someone else, as another server of a
 * cluster would revoke it; a wrong secret is refused while a right one is cached.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TokenRevocationTest {
    private static final String PUSH = "{\"messages\":[{\"payload\":\"x\"}]}";
    private static final String ADMIN = "revocation-admin-secret-0123456789";

    /** Plain HTTP on loopback with required tokens: what is under test does not depend on TLS. */
    private static final class Server implements AutoCloseable {
        final SpoolServer server;
        final SecureClient plain;

        Server() throws Exception {
            ServerConfig m = ServerConfig.ephemeralMemory();
            server = SpoolServer.start(m.withSecurity(m.security().withAuthRequired(true).withAdminToken(ADMIN)))
                    .toCompletableFuture().get(60, TimeUnit.SECONDS);
            plain = new SecureClient(server.url(), Optional.empty(), Optional.empty());
        }

        HttpResponse<String> admin(String method, String path, String body) throws Exception {
            return plain.send(method, path, body, ADMIN);
        }

        String[] token(String... perms) throws Exception {
            HttpResponse<String> r = admin("POST", "/v1/tokens", "{\"name\":\"ci\",\"permissions\":[\""
                    + String.join("\",\"", perms) + "\"]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            JsonNode n = new ObjectMapper().readTree(r.body());
            return new String[] {n.get("id").asText(), n.get("secret").asText()};
        }

        @Override
        public void close() {
            server.close();
        }
    }
    @Test
    void shouldRefuseCachedTokenWithinOneSecondWhenRevokedInStorageByAnotherServer() throws Exception {
        try (Server s = new Server()) {
            String[] t = s.token("produce:orders.*", "consume:orders.*");
            s.admin("PUT", "/v1/queues/orders.eu", "{}");
            for (int i = 0; i < 20; i++) {
                assertThat(s.plain.send("POST", "/v1/queues/orders.eu/messages", PUSH, t[1])
                        .statusCode()).isEqualTo(200);
            }
            assertThat(s.plain.send("PUT", "/v1/queues/orders.eu", "{}", t[1]).statusCode()).isEqualTo(403);

            s.server.broker().revokeToken(t[0]).toCompletableFuture().get(10, TimeUnit.SECONDS);
            long revoked = System.nanoTime();

            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> s.plain.send("POST", "/v1/queues/orders.eu/messages", PUSH, t[1])
                            .statusCode() == 401);
            // the store reloads every 500 ms, so 1 s on a quiet machine; the bound leaves room for a loaded one
            assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(Duration.ofSeconds(3));
            assertThat(s.plain.send("GET", "/v1/queues/orders.eu", null, t[1]).statusCode()).isEqualTo(401);
            assertThat(s.admin("GET", "/v1/queues/orders.eu", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldKeepRefusingWrongSecretWhenARightOneIsCached() throws Exception {
        try (Server s = new Server()) {
            String[] t = s.token("produce:orders.*");
            s.admin("PUT", "/v1/queues/orders.eu", "{}");
            assertThat(s.plain.send("POST", "/v1/queues/orders.eu/messages", PUSH, t[1]).statusCode())
                    .isEqualTo(200);
            String wrong = t[1].substring(0, t[1].length() - 1) + (t[1].endsWith("A") ? "B" : "A");

            assertThat(s.plain.send("POST", "/v1/queues/orders.eu/messages", PUSH, wrong).statusCode())
                    .isEqualTo(401);
            assertThat(s.admin("GET", "/v1/queues/orders.eu", null).body()).contains("\"ready\":1");
        }
    }
}
