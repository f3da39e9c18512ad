package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.BrokerLimits;

/**
 * Throws a corpus of malformed requests at every endpoint and checks that each gets a documented
 * 4xx JSON error (never a 5xx, never a stack trace) and that nothing changed: the queue list with
 * its stats, and the ids of every browsable message, are the same before and after. Also: broken
 * HTTP framing, truncated uploads, oversized bodies and broken WebSocket handshakes.
 * {@link MalformedStreamInputTest} does the same for {@code /v1/stream} frames.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MalformedInputTest {
    private static ApiClient api;
    /** The victim's leased receipt the corpus uses (set before {@link #corpus()}). */
    static String receipt;

    @BeforeAll
    static void start() {
        api = victimServer();
        receipt = victimReceipt(api);
    }

    /**
     * A server with small bounds (64 KiB requests, batches of 10) and the queue {@code victim}
     * (max_message_bytes 1000, a group g1, three messages, one of them leased).
     */
    static ApiClient victimServer() {
        ServerConfig d = ServerConfig.ephemeralMemory();
        ServerConfig config = d.withListener(d.listener().withMaxRequestBytes(64 * 1024))
                .withLimits(new BrokerLimits(100, 10, 10, 10, 1000, 100, 10, 50));
        return victimSetup(ApiClient.start(config));
    }

    /** The flags of a server process with the bounds of {@link #victimServer()}. */
    static final String[] VICTIM_FLAGS = {"--max-request-bytes", "65536", "--max-queues", "100",
        "--max-groups-per-queue", "10", "--max-batch", "10", "--max-pop", "10", "--max-wait-ms", "1000",
        "--max-waiters", "100", "--max-tx-ops", "10", "--max-browse", "50"};

    /** Creates the victim queue (see {@link #victimServer()}) on the server behind {@code c}. */
    static ApiClient victimSetup(ApiClient c) {
        c.put("/v1/queues/victim", "{\"visibility_timeout_ms\":600000,\"max_message_bytes\":1000}");
        c.put("/v1/queues/victim/groups/g1", "{\"start\":\"earliest\"}");
        for (int i = 0; i < 3; i++) {
            c.pushJson("victim", "{\"i\":" + i + "}");
        }
        MalformedLockInput.setup(c);
        return c;
    }

    /** Leases one victim message and returns its receipt. */
    static String victimReceipt(ApiClient c) {
        return c.pop("victim", 1).get(0).path("receipt").asText();
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    record Case(String method, String path, String body, String... headers) {
        @Override
        public String toString() {
            String b = body == null ? "" : body.length() > 80 ? body.substring(0, 80) + "..." : body;
            return method + " " + (path.length() > 100 ? path.substring(0, 100) + "..." : path) + " " + b
                    + " " + String.join(",", headers);
        }
    }

    @Test
    void shouldAnswer4xxAndChangeNothingForEveryMalformedRequest() {
        String before = snapshot();
        List<Case> corpus = corpus();
        List<String> failures = new ArrayList<>();
        for (Case c : corpus) {
            ApiClient.Resp r = api.send(c.method, c.path, c.body == null ? null : c.body.getBytes(StandardCharsets.UTF_8),
                    c.headers);
            String problem = check(r);
            if (problem != null) {
                failures.add(c + " -> " + problem);
            }
        }
        assertThat(failures).as("of %d cases", corpus.size()).isEmpty();
        assertThat(snapshot()).isEqualTo(before);
        assertThat(corpus.size()).isGreaterThan(300);
    }

    static String check(ApiClient.Resp r) {
        if (r.status() < 400 || r.status() >= 500) {
            return "status " + r;
        }
        if (r.text().contains("Exception") || r.text().contains("\tat ")) {
            return "leaks internals: " + r;
        }
        JsonNode err = r.json().path("error");
        if (err.path("code").asText().isEmpty() || err.path("message").asText().isEmpty()) {
            return "no error document: " + r;
        }
        if (r.status() == 429 && r.header("Retry-After") == null) {
            return "429 without Retry-After";
        }
        return null;
    }

    @Test
    void shouldChangeNothingWhenUploadIsTruncated() throws Exception {
        String before = snapshot();
        truncated("POST /v1/queues/victim/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000\r\n\r\n{\"messages\":[{\"payload\":");
        truncated("POST /v1/queues/victim/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-raw\r\n"
                + "Content-Length: 900\r\n\r\nabcdefghij");
        truncated("POST /v1/queues/newq/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-raw\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n");
        truncated("POST /v1/queues/victim/ack HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 500\r\n\r\n{\"receipts\":[\"" + receipt + "\"");
        truncated("POST /v1/tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 500\r\n\r\n{\"ops\":[{\"op\":\"push\",\"queue\":\"victim\",\"messages\":[{\"payload\":1}]}");
        truncated("PUT /v1/queues/victim/groups/g9 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"start\":");
        truncated("PUT /v1/queues/newq HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"max_attempts\":");
        truncated("POST /v1/queues/victim/pop HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Accept: application/octet-stream\r\nContent-Length: 100\r\n\r\n{\"max\":");
        truncated("POST /v1/queues/victim/pop HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n4\r\n{\"ma\r\n");
        assertThat(snapshot()).isEqualTo(before);
        assertThat(api.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void shouldRefuseStreamUpgradeWithBrokenHandshake() throws Exception {
        String[] handshakes = {
            "GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            "GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n\r\n",
            "GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
            "GET /v1/stream?x=1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"};
        for (String h : handshakes) {
            try (Socket s = new Socket("127.0.0.1", api.server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(h.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                byte[] buf = new byte[4096];
                int n = s.getInputStream().read(buf);
                String reply = n < 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
                assertThat(reply).as(h).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
            }
        }
        assertThat(api.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void shouldAnswer4xxOrCloseForBrokenHttp() throws Exception {
        String before = snapshot();
        String push = "POST /v1/queues/victim/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
        String body = "{\"messages\":[{\"payload\":1}]}";
        String[] requests = {
            "GARBAGE\r\n\r\n",
            push + "Content-Length: -5\r\n\r\n" + body,
            push + "Content-Length: 10, 20\r\n\r\n" + body,
            push + "Transfer-Encoding: chunked\r\n\r\nZZ\r\n" + body + "\r\n0\r\n\r\n",
            push + "Content-Length: " + body.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body,
            push + "X-Big: " + "h".repeat(70 * 1024) + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body,
            "GET /v1/queues/" + "q".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            push + "Bad Header: v\r\nContent-Length: " + body.length() + "\r\n\r\n" + body,
            push + "X-Nul: a\u0000b\r\nContent-Length: " + body.length() + "\r\n\r\n" + body,
            "POST /v1/queues/victim/messages?%zz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body,
            "POST /v1/queues/vic%00tim/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body};
        List<String> failures = new ArrayList<>();
        for (String req : requests) {
            try (Socket s = new Socket("127.0.0.1", api.server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                s.shutdownOutput();
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                if (!reply.isEmpty() && !reply.matches("(?s)HTTP/1\\.[01] 4\\d\\d .*")) {
                    failures.add(req.substring(0, Math.min(80, req.length())) + " -> " + reply.lines().findFirst()
                            .orElse(""));
                }
            }
        }
        assertThat(failures).isEmpty();
        // an unknown protocol version is refused by Vert.x itself, before any Spool code, with 501
        // (the one 5xx bad input can get; docs/api.md says so)
        try (Socket s = new Socket("127.0.0.1", api.server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1)).contains(" 501 ");
        }
        assertThat(snapshot()).isEqualTo(before);
        assertThat(api.get("/healthz").status()).isEqualTo(200);
    }

    private static void truncated(String head) throws Exception {
        try (Socket s = new Socket("127.0.0.1", api.server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    @Test
    void shouldRefuseOversizedBodyBeforeReadingIt() throws Exception {
        String fence = "Spool-Lease-Id: " + MalformedLockInput.lease.path("lease_id").asText() + "\r\nSpool-Lock-Token: "
                + MalformedLockInput.lease.path("token").asText() + "\r\n";
        String[] heads = {"POST /v1/queues/victim/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: 104857600\r\n\r\n",
            "POST /v1/queues/victim/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-raw\r\n"
            + "Content-Length: 104857600\r\n\r\n",
            "PUT /v1/locks/vlock/state HTTP/1.1\r\nHost: x\r\n" + fence + "Content-Length: 104857601\r\n\r\n"};
        for (String head : heads) {
            try (Socket s = new Socket("127.0.0.1", api.server.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(reply).startsWith("HTTP/1.1 413");
                assertThat(reply).contains("payload_too_large");
            }
        }
    }

    /** Queue list with stats (minus ages) and every browsable id of the victim. */
    static String snapshot() {
        return snapshot(api);
    }

    /** Queue list with stats (minus ages) and every browsable id of the victim, through {@code api}. */
    static String snapshot(ApiClient api) {
        JsonNode queues = api.get("/v1/queues").json();
        strip(queues);
        StringBuilder sb = new StringBuilder(queues.toString());
        for (String state : new String[] {"ready", "delayed", "in_flight", "dead"}) {
            for (String group : new String[] {"default", "g1"}) {
                JsonNode ms = api.get("/v1/queues/victim/messages?state=" + state + "&group=" + group).json();
                sb.append('\n').append(state).append('/').append(group).append(':')
                        .append(ms.path("messages").findValuesAsText("id"));
            }
        }
        sb.append('\n').append(MalformedLockInput.snapshot(api));
        return sb.toString();
    }

    private static void strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove("oldest_ready_age_ms");
        }
        for (Iterator<JsonNode> it = n.elements(); it.hasNext();) {
            strip(it.next());
        }
    }

    static final String[] BROKEN_JSON = {"{", "[]", "null", "123", "\"s\"", "{\"a\":}", "{}{}", "{\"a\":1,}",
        "{'a':1}", "\u0000", "{\"a\":\"\\uZZZZ\"}", "[".repeat(5000), "{\"a\":" + "[".repeat(300) + "]".repeat(300) + "}",
        "{\"a\":1e99999}", "{\"unknown_field\":1}"};
    private static final String[] BAD_NUMBERS = {"\"1\"", "1.5", "true", "[]", "{}", "-1", "99999999999999999999999",
        "-9223372036854775809", "1e400", "\"\""};
    private static final String[] BAD_STRINGS = {"1", "true", "[]", "{}", "\"\\u0000\"", "\"" + "x".repeat(5000) + "\"",
        "\"\"", "\"bad name\""};
    private static final String[] BAD_BOOLS = {"1", "\"true\"", "[]", "{}", "\"\""};
    private static final String[] BAD_MAPS = {"1", "\"h\"", "[]", "true", "{\"h\":1}", "{\"bad name\":\"v\"}",
        "{\"h\":\"\\u0001\"}"};

    private static String[] badValues(char type) {
        return switch (type) {
            case 'n' -> BAD_NUMBERS;
            case 's' -> BAD_STRINGS;
            case 'b' -> BAD_BOOLS;
            default -> BAD_MAPS;
        };
    }
    static final String[] BAD_NAMES = {"a%20b", "x".repeat(129), "%C3%A9t%C3%A9", "q*", "%00", "a%2Fb"};

    static List<Case> corpus() {
        List<Case> c = new ArrayList<>();
        String q = "/v1/queues/victim";
        // Fields by type: n = whole number, s = string, b = boolean.
        Map<String, String[]> json = Map.of(
                "PUT " + q, new String[] {"n:visibility_timeout_ms", "n:max_attempts", "n:retention_ms",
                    "n:message_ttl_ms", "n:max_message_bytes", "n:dedup_window_ms", "n:result_ttl_ms",
                    "s:dead_letter_queue", "b:encrypted"},
                "POST " + q + "/pop", new String[] {"n:max", "n:visibility_ms", "n:wait_ms", "s:group"},
                "POST " + q + "/purge", new String[] {"n:anything", "s:anything"},
                "POST " + q + "/redrive", new String[] {"s:group", "n:limit"},
                "PUT " + q + "/groups/g2", new String[] {"s:start", "n:start"});
        for (Map.Entry<String, String[]> e : json.entrySet()) {
            String[] mp = e.getKey().split(" ");
            brokenJson(c, mp[0], mp[1]);
            for (String typed : e.getValue()) {
                String field = typed.substring(2);
                for (String v : badValues(typed.charAt(0))) {
                    if (!validFor(field, v)) {
                        c.add(jsonCase(mp[0], mp[1], "{\"" + field + "\":" + v + "}"));
                    }
                }
            }
            wrongContentType(c, mp[0], mp[1]);
        }
        pushCases(c, q + "/messages");
        receiptCases(c, q);
        readCases(c, q);
        txCases(c);
        MalformedLockInput.cases(c, BAD_NAMES);
        for (String name : BAD_NAMES) {
            c.add(jsonCase("PUT", "/v1/queues/" + name, "{}"));
            c.add(jsonCase("POST", "/v1/queues/" + name + "/messages", "{\"messages\":[{\"payload\":1}]}"));
            c.add(jsonCase("POST", "/v1/queues/" + name + "/pop", "{}"));
            c.add(new Case("GET", "/v1/queues/" + name, null));
            c.add(new Case("DELETE", "/v1/queues/" + name, null));
            c.add(jsonCase("PUT", q + "/groups/" + name, "{}"));
            c.add(new Case("DELETE", q + "/groups/" + name, null));
        }
        c.add(new Case("DELETE", "/v1/queues/nosuch", null));
        c.add(new Case("POST", "/v1/queues/nosuch/purge", null));
        c.add(new Case("DELETE", q + "/groups/nosuch", null));
        c.add(new Case("DELETE", q + "/groups/default", null));
        c.add(jsonCase("PUT", q + "/groups/default", "{}"));
        c.add(jsonCase("PUT", q + "/groups/g1", "{\"start\":\"latest\"}"));
        c.add(new Case("GET", "/v1/nothing", null));
        c.add(new Case("PATCH", q, null));
        c.add(new Case("POST", "/v1/queues", "{}", "Content-Type", "application/json"));
        c.add(new Case("GET", "/v1/stream", null));
        for (String b : new String[] {"{\"max\":2}", "{\"max\":0}", "{\"wait_ms\":-1}", "{", "[]",
            "{\"group\":\"nosuch\"}", "{\"group\":\"bad name\"}", "{\"visibility_ms\":\"1\"}"}) {
            c.add(new Case("POST", q + "/pop", b, "Content-Type", "application/json", "Accept", "application/octet-stream"));
        }
        for (String name : BAD_NAMES) {
            c.add(new Case("GET", q + "/groups/" + name, null));
            c.add(new Case("GET", "/v1/queues/" + name + "/groups", null));
            c.add(jsonCase("POST", "/v1/queues/" + name + "/ack", "{\"receipts\":[\"" + receipt + "\"]}"));
            c.add(new Case("GET", "/v1/queues/" + name + "/messages", null));
            c.add(jsonCase("POST", "/v1/queues/" + name + "/redrive", "{}"));
            c.add(jsonCase("POST", "/v1/queues/" + name + "/purge", "{}"));
        }
        c.add(new Case("GET", "/healthz?x=1", null));
        return c;
    }

    /** Values that are legitimately valid for a field, which the corpus must leave out. */
    private static boolean validFor(String field, String v) {
        return switch (field) {
            case "start" -> v.equals("\"1\"") || v.equals("1");
            default -> false;
        };
    }

    private static void brokenJson(List<Case> c, String method, String path) {
        for (String b : BROKEN_JSON) {
            c.add(jsonCase(method, path, b));
        }
        c.add(jsonCase(method, path, "{\"x\":\"" + "y".repeat(70 * 1024) + "\"}"));
    }

    private static void wrongContentType(List<Case> c, String method, String path) {
        c.add(new Case(method, path, "{}", "Content-Type", "text/plain"));
        c.add(new Case(method, path, "a=1", "Content-Type", "application/x-www-form-urlencoded"));
    }

    private static void pushCases(List<Case> c, String path) {
        brokenJson(c, "POST", path);
        c.add(jsonCase("POST", path, "{}"));
        c.add(jsonCase("POST", path, "{\"messages\":[]}"));
        c.add(jsonCase("POST", path, "{\"messages\":{}}"));
        c.add(jsonCase("POST", path, "{\"messages\":[1]}"));
        c.add(jsonCase("POST", path, "{\"messages\":[{}]}"));
        c.add(jsonCase("POST", path, "{\"messages\":[{\"payload\":1,\"payload_base64\":\"AA==\"}]}"));
        c.add(jsonCase("POST", path, "{\"messages\":[" + "{\"payload\":1},".repeat(10) + "{\"payload\":1}]}"));
        c.add(jsonCase("POST", path, "{\"messages\":[{\"payload\":\"" + "x".repeat(2000) + "\"}]}"));
        c.add(jsonCase("POST", path, "{\"messages\":[{\"payload\":1},{\"payload\":1,\"priority\":10}]}"));
        for (String typed : new String[] {"n:priority", "n:delay_ms", "n:ttl_ms", "n:not_before", "s:key",
            "s:dedup_id", "s:traceparent", "s:content_type", "m:headers", "s:payload_base64"}) {
            String field = typed.substring(2);
            for (String v : badValues(typed.charAt(0))) {
                if (!acceptable(field, v)) {
                    c.add(jsonCase("POST", path, "{\"messages\":[{\"payload\":1,\"" + field + "\":" + v + "}]}"));
                }
            }
        }
        c.add(jsonCase("POST", path, "{\"messages\":[{\"payload\":1,\"headers\":{\"bad name\":\"v\"}}]}"));
        c.add(jsonCase("POST", path, "{\"messages\":[{\"payload\":1,\"headers\":{\"h\":1}}]}"));
        c.add(jsonCase("POST", path, "{\"messages\":[{\"payload\":1,\"content_type\":\"text/plain\"}]}"));
        c.add(jsonCase("POST", path, "{\"messages\":[{\"payload_base64\":\"ew==\",\"content_type\":\"application/json\"}]}"));
        c.add(jsonCase("POST", path, "{\"messages\":[{\"payload_base64\":\"!!\"}]}"));
        String[][] raw = {{"Spool-Priority", "x"}, {"Spool-Priority", "10"}, {"Spool-Delay-Ms", "-1"},
            {"Spool-Ttl-Ms", "1e400"}, {"Spool-Not-Before", "yesterday"}, {"Spool-Key", "k".repeat(300)},
            {"traceparent", "00-bad"}, {"Spool-Dedup-Id", "d".repeat(300)}, {"Content-Length", "abc"}};
        for (String[] h : raw) {
            if (h[0].equals("Content-Length")) {
                continue;
            }
            c.add(new Case("POST", path, "raw", "Content-Type", "application/x-raw", h[0], h[1]));
        }
        c.add(new Case("POST", path, "x".repeat(1001), "Content-Type", "application/x-raw"));
    }

    /** Values that are legitimately valid for a message field, which the corpus must leave out. */
    private static boolean acceptable(String field, String v) {
        return switch (field) {
            case "content_type", "key", "dedup_id" -> v.equals("\"bad name\"");
            default -> false;
        };
    }

    private static void receiptCases(List<Case> c, String q) {
        for (String op : new String[] {"ack", "nack", "extend"}) {
            String path = q + "/" + op;
            brokenJson(c, "POST", path);
            wrongContentType(c, "POST", path);
            c.add(jsonCase("POST", path, "{}"));
            c.add(jsonCase("POST", path, "{\"receipts\":[]}"));
            c.add(jsonCase("POST", path, "{\"receipts\":\"" + receipt + "\"}"));
            c.add(jsonCase("POST", path, "{\"receipts\":[1]}"));
            c.add(jsonCase("POST", path, "{\"receipts\":[\"nope\"]}"));
            c.add(jsonCase("POST", path, "{\"receipts\":[\"0123456789abcdeg.1\"]}"));
            c.add(jsonCase("POST", path, "{\"receipts\":[\"0123456789abcdef.99999999999\"]}"));
            c.add(jsonCase("POST", path, "{\"receipts\":[" + ("\"" + receipt + "\",").repeat(10) + "\"" + receipt + "\"]}"));
            c.add(jsonCase("POST", path, "{\"receipts\":[\"" + receipt + "\"],\"group\":\"nosuch\"}"));
            c.add(jsonCase("POST", path, "{\"receipts\":[\"" + receipt + "\"],\"group\":\"bad name\"}"));
            c.add(jsonCase("POST", path, "{\"receipts\":[\"" + receipt + "\"],\"visibility\":5}"));
        }
        String ok = "{\"receipts\":[\"" + receipt + "\"],";
        c.add(jsonCase("POST", q + "/ack", ok + "\"result\":1,\"result_base64\":\"AA==\"}"));
        c.add(jsonCase("POST", q + "/ack", ok + "\"result_base64\":\"***\"}"));
        c.add(jsonCase("POST", q + "/ack", ok + "\"result_base64\":\"ew==\",\"result_content_type\":\"application/json\"}"));
        c.add(jsonCase("POST", q + "/ack", ok + "\"delay_ms\":5}"));
        c.add(jsonCase("POST", q + "/nack", ok + "\"delay_ms\":-5}"));
        c.add(jsonCase("POST", q + "/nack", ok + "\"reason\":\"" + "r".repeat(5000) + "\"}"));
        c.add(jsonCase("POST", q + "/nack", ok + "\"result\":1}"));
        c.add(jsonCase("POST", q + "/extend", ok + "\"visibility_ms\":999999999999}"));
        c.add(jsonCase("POST", q + "/extend", ok + "\"visibility_ms\":\"10\"}"));
    }

    private static void readCases(List<Case> c, String q) {
        for (String id : new String[] {"xyz", "-1", "0123456789abcdef0", "0123456789abcdeg", "%20"}) {
            c.add(new Case("GET", q + "/messages/" + id, null));
        }
        String m = q + "/messages/0000000000000001";
        for (String p : new String[] {"wait_ms=-1", "wait_ms=abc", "wait_ms=1e400", "wait_ms=99999999999",
            "group=bad%20name", "group=nosuch", "other=1", "wait_ms=1&wait_ms=2"}) {
            c.add(new Case("GET", m + "?" + p, null));
        }
        for (String p : new String[] {"state=acked", "state=foo", "limit=0", "limit=-1", "limit=100000", "limit=x",
            "after=zz", "group=nosuch", "group=%00", "foo=bar", "state=ready&state=dead"}) {
            c.add(new Case("GET", q + "/messages?" + p, null));
        }
        for (String p : new String[] {"x=1"}) {
            c.add(new Case("GET", q + "?" + p, null));
            c.add(new Case("GET", "/v1/queues?" + p, null));
            c.add(new Case("GET", q + "/groups?" + p, null));
        }
        c.add(new Case("GET", "/v1/queues/nosuch/groups", null));
        c.add(new Case("GET", q + "/groups/nosuch", null));
    }

    private static void txCases(List<Case> c) {
        brokenJson(c, "POST", "/v1/tx");
        wrongContentType(c, "POST", "/v1/tx");
        String[] ops = {"{}", "{\"ops\":[]}", "{\"ops\":{}}", "{\"ops\":[1]}", "{\"ops\":[{}]}",
            "{\"ops\":[{\"op\":\"push\"}]}", "{\"ops\":[{\"op\":\"fly\",\"queue\":\"victim\"}]}",
            "{\"ops\":[{\"op\":\"push\",\"queue\":\"victim\"}]}",
            "{\"ops\":[{\"op\":\"push\",\"queue\":\"bad name\",\"messages\":[{\"payload\":1}]}]}",
            "{\"ops\":[{\"op\":\"push\",\"queue\":\"victim\",\"messages\":[{\"payload\":1}]},"
                + "{\"op\":\"ack\",\"queue\":\"victim\",\"receipts\":[\"0000000000000001.1\"]}]}",
            "{\"ops\":[{\"op\":\"push\",\"queue\":\"victim\",\"messages\":[{\"payload\":1}]},"
                + "{\"op\":\"ack\",\"queue\":\"nosuch\",\"receipts\":[\"" + receipt + "\"]}]}",
            "{\"ops\":[{\"op\":\"ack\",\"queue\":\"victim\",\"receipts\":[\"" + receipt + "\"],\"extra\":1}]}",
            "{\"ops\":[" + "{\"op\":\"push\",\"queue\":\"victim\",\"messages\":[{\"payload\":1}]},".repeat(10)
                + "{\"op\":\"push\",\"queue\":\"victim\",\"messages\":[{\"payload\":1}]}]}"};
        for (String o : ops) {
            c.add(jsonCase("POST", "/v1/tx", o));
        }
    }

    private static Case jsonCase(String method, String path, String body) {
        return new Case(method, path, body, "Content-Type", "application/json");
    }
}
