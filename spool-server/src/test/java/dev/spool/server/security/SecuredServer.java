package dev.spool.server.security;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/**
 * A server with TLS (client certificates optional), required authentication, a bootstrap admin
 * token and grants for two certificate identities, plus the clients the security tests use.
 */
final class SecuredServer implements AutoCloseable {
    static final String ADMIN = "bootstrap-admin-secret-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Certs C = Certs.INSTANCE;

    final SpoolServer server;
    final SecureClient plain;
    final SecureClient worker;
    final SecureClient spiffe;

    SecuredServer(ServerConfig storage) throws Exception {
        SecurityConfig sec = storage.security()
                .withTls(new SecurityConfig.Tls(C.server.cert(), C.server.key(), Optional.of(C.ca), false, 0))
                .withAuthRequired(true).withAdminToken(ADMIN)
                .withCertGrants(SecurityConfig.parseGrants(
                        "worker-1=produce:orders.*,consume:orders.*,admin:*,lock:orders.*;"
                                + "spiffe://acme/ops=lock:nothing.*"))
                .withOpen(true, false);
        server = SpoolServer.start(storage.withSecurity(sec)).toCompletableFuture().get(60, TimeUnit.SECONDS);
        plain = new SecureClient(server.url(), Optional.of(C.ca), Optional.empty());
        worker = new SecureClient(server.url(), Optional.of(C.ca), Optional.of(C.worker));
        spiffe = new SecureClient(server.url(), Optional.of(C.ca), Optional.of(C.spiffe));
    }

    /** A request with the bootstrap admin token. */
    HttpResponse<String> admin(String method, String path, String body) throws IOException, InterruptedException {
        return plain.send(method, path, body, ADMIN);
    }

    /** Creates a token through the API; returns {id, secret}. */
    String[] token(String name, String... perms) throws Exception {
        StringBuilder b = new StringBuilder("{\"name\":\"" + name + "\",\"permissions\":[");
        for (int i = 0; i < perms.length; i++) {
            b.append(i == 0 ? "" : ",").append('"').append(perms[i]).append('"');
        }
        HttpResponse<String> r = admin("POST", "/v1/tokens", b.append("]}").toString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("token create: " + r.statusCode() + " " + r.body());
        }
        JsonNode n = JSON.readTree(r.body());
        return new String[] {n.get("id").asText(), n.get("secret").asText()};
    }

    /**
     * Every queue with its configuration and counts (ages left out, and the messages a timer may
     * move between ready, delayed and in flight counted together), and every token: what a
     * refused request must not change.
     */
    String state() throws Exception {
        JsonNode queues = JSON.readTree(admin("GET", "/v1/queues", null).body());
        strip(queues);
        JsonNode tokens = JSON.readTree(admin("GET", "/v1/tokens", null).body());
        return queues + " " + tokens;
    }

    private static void strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove("oldest_ready_age_ms");
            if (o.has("ready") && o.has("delayed") && o.has("in_flight")) {
                // timers move messages between these (a nack's delay ends, a lease expires): count them together
                long total = o.get("ready").asLong() + o.get("delayed").asLong() + o.get("in_flight").asLong();
                o.remove(List.of("ready", "delayed", "in_flight"));
                o.put("messages", total);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
                strip(it.next().getValue());
            }
        } else if (n.isArray()) {
            n.forEach(SecuredServer::strip);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
