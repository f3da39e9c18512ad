package dev.spool.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import dev.spool.server.ServerConfig;

/**
 * The {@code /v1/stream} WebSocket under authentication: the upgrade needs credentials, every
 * frame is checked against the opener's permissions as they are now, and a revoked token's stream
 * is closed (1008) at its next frame.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamSecurityTest {
    private SecuredServer s;

    @BeforeAll
    void start() throws Exception {
        s = new SecuredServer(ServerConfig.ephemeralMemory());
        s.admin("PUT", "/v1/queues/orders.a", "{}");
        s.admin("PUT", "/v1/queues/secret.b", "{}");
    }

    @AfterAll
    void stop() {
        s.close();
    }

    /** A stream socket collecting frames. */
    final class Sock implements WebSocket.Listener {
        final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        final WebSocket ws;

        Sock(SecureClient c, String token) throws Exception {
            WebSocket.Builder b = c.http.newWebSocketBuilder();
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            ws = b.buildAsync(URI.create(s.server.url().replace("https", "wss") + "/v1/stream"), this)
                    .get(10, TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    frames.add(SecuredServer.JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                partial.setLength(0);
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
            closed.complete(status);
            return null;
        }

        JsonNode send(String frame) throws Exception {
            ws.sendText(frame, true).get(10, TimeUnit.SECONDS);
            JsonNode f = frames.poll(10, TimeUnit.SECONDS);
            assertThat(f).as("a reply within 10 s").isNotNull();
            return f;
        }
    }

    private static String push(String queue) {
        return "{\"op\":\"push\",\"req\":1,\"queue\":\"" + queue + "\",\"messages\":[{\"payload\":1}]}";
    }

    @Test
    void shouldRefuseLockFramesOnLocksTheTokenMayNotUse() throws Exception {
        String[] t = s.token("locker", "lock:jobs.*", "produce:orders.*");
        Sock sock = new Sock(s.plain, t[1]);

        JsonNode mine = sock.send("{\"op\":\"acquire\",\"req\":1,\"lock\":\"jobs.a\",\"owner\":\"o\",\"ttl_ms\":60000}");
        JsonNode other = sock.send("{\"op\":\"acquire\",\"req\":2,\"lock\":\"secret.a\",\"owner\":\"o\","
                + "\"ttl_ms\":60000}");
        JsonNode release = sock.send("{\"op\":\"release\",\"req\":3,\"lock\":\"secret.a\",\"lease_id\":\"x\","
                + "\"token\":1}");
        JsonNode tx = sock.send("{\"op\":\"tx\",\"req\":4,\"ops\":[{\"op\":\"push\",\"queue\":\"orders.a\","
                + "\"messages\":[{\"payload\":1}]},{\"op\":\"acquire\",\"lock\":\"secret.b\",\"owner\":\"o\","
                + "\"ttl_ms\":60000}]}");
        JsonNode txOk = sock.send("{\"op\":\"tx\",\"req\":5,\"ops\":[{\"op\":\"acquire\",\"lock\":\"jobs.b\","
                + "\"owner\":\"o\",\"ttl_ms\":60000},{\"op\":\"release\",\"lock\":\"jobs.b\"}]}");

        assertThat(mine.path("op").asText()).as(mine.toString()).isEqualTo("ok");
        assertThat(other.path("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(release.path("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(tx.path("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(tx.path("error").path("op_index").asInt()).isEqualTo(1);
        assertThat(txOk.path("op").asText()).as(txOk.toString()).isEqualTo("ok");
        sock.ws.sendClose(WebSocket.NORMAL_CLOSURE, "");
    }

    @Test
    void shouldRefuseReadStateWithoutLockPermissionWhetherOrNotTheStateExists() throws Exception {
        Sock admin = new Sock(s.plain, SecuredServer.ADMIN);
        JsonNode written = admin.send("{\"op\":\"tx\",\"req\":1,\"ops\":[{\"op\":\"acquire\",\"lock\":\"secret.s\","
                + "\"owner\":\"o\",\"ttl_ms\":60000},{\"op\":\"lock_state\",\"lock\":\"secret.s\",\"payload\":{\"k\":1}},"
                + "{\"op\":\"release\",\"lock\":\"secret.s\"}]}");
        assertThat(written.path("op").asText()).as(written.toString()).isEqualTo("ok");
        String[] t = s.token("reader", "lock:jobs.*");
        Sock sock = new Sock(s.plain, t[1]);

        JsonNode existing = sock.send("{\"op\":\"read_state\",\"req\":1,\"lock\":\"secret.s\"}");
        JsonNode missing = sock.send("{\"op\":\"read_state\",\"req\":2,\"lock\":\"secret.x\"}");
        JsonNode allowed = sock.send("{\"op\":\"read_state\",\"req\":3,\"lock\":\"jobs.none\"}");
        JsonNode byAdmin = admin.send("{\"op\":\"read_state\",\"req\":4,\"lock\":\"secret.s\"}");

        assertThat(existing.path("error").path("code").asText()).as(existing.toString()).isEqualTo("forbidden");
        assertThat(missing.path("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(existing.path("error").path("message").asText().replace("secret.s", "N"))
                .isEqualTo(missing.path("error").path("message").asText().replace("secret.x", "N"));
        assertThat(existing.toString()).doesNotContain("\"k\"");
        assertThat(allowed.path("error").path("code").asText()).as(allowed.toString()).isEqualTo("not_found");
        assertThat(byAdmin.path("payload").path("k").asInt()).as(byAdmin.toString()).isEqualTo(1);
        sock.ws.sendClose(WebSocket.NORMAL_CLOSURE, "");
        admin.ws.sendClose(WebSocket.NORMAL_CLOSURE, "");
    }

    @Test
    void shouldRefuseUpgradeWithoutCredentials() {
        assertThatThrownBy(() -> new Sock(s.plain, null)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                        .isEqualTo(401));
    }

    @Test
    void shouldRefuseFramesOnQueuesTheTokenMayNotUse() throws Exception {
        String[] t = s.token("streamer", "produce:orders.*");
        Sock sock = new Sock(s.plain, t[1]);
        String before = s.state();

        JsonNode ok = sock.send(push("orders.a"));
        JsonNode elsewhere = sock.send(push("secret.b"));
        JsonNode subscribe = sock.send("{\"op\":\"subscribe\",\"req\":2,\"queue\":\"orders.a\",\"credit\":1}");

        assertThat(ok.path("op").asText()).isEqualTo("ok");
        assertThat(elsewhere.path("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(subscribe.path("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(s.state()).isNotEqualTo(before);
        String afterOk = s.state();
        sock.send(push("secret.b"));
        assertThat(s.state()).isEqualTo(afterOk);
        sock.ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }

    @Test
    void shouldCloseStreamAtItsNextFrameWhenTheTokenIsRevoked() throws Exception {
        String[] t = s.token("revokee", "produce:orders.*");
        Sock sock = new Sock(s.plain, t[1]);
        assertThat(sock.send(push("orders.a")).path("op").asText()).isEqualTo("ok");

        assertThat(s.admin("DELETE", "/v1/tokens/" + t[0], null).statusCode()).isEqualTo(204);
        String before = s.state();
        sock.ws.sendText(push("orders.a"), true).get(10, TimeUnit.SECONDS);

        assertThat(sock.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(s.state()).isEqualTo(before);
    }

    @Test
    void shouldAllowFramesGrantedToTheClientCertificateIdentity() throws Exception {
        Sock sock = new Sock(s.worker, null);

        assertThat(sock.send(push("orders.a")).path("op").asText()).isEqualTo("ok");
        assertThat(sock.send("{\"op\":\"subscribe\",\"req\":2,\"queue\":\"orders.a\",\"credit\":1}").path("op")
                .asText()).isEqualTo("ok");
        sock.ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
}
