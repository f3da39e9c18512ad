package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.Payload;
import dev.spool.embedded.EmbeddedBroker;
import dev.spool.embedded.EmbeddedConfig;

/**
 * The {@code read_state} frame of {@code /v1/stream}: a lock's state document and its description
 * in one reply frame, JSON documents embedded as JSON and everything else as base64, refusals
 * ({@code not_found}, {@code payload_too_large} past 64 KiB) as error frames on a socket that keeps
 * serving, and every read after an acknowledged write, delete or transaction seeing it.
 * The refusal without the {@code lock} permission is in {@code StreamSecurityTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockStateStreamTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldReadJsonStateAsJsonOnMemoryAndJournal(boolean journal, @TempDir Path dir) throws Exception {
        try (ApiClient api = journal ? ApiClient.start(journal(dir)) : ApiClient.start()) {
            shouldReadJsonStateAsJson(api);
        }
    }

    private static void shouldReadJsonStateAsJson(ApiClient api) throws Exception {
        JsonNode lease = LockApiTest.acquire(api, "r1", "writer", 60_000, 0);
        put(api, "r1", lease, "{\"step\":2,\"tags\":[\"a\",\"b\"]}", "application/json");
        try (StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            ws.send("{\"op\":\"read_state\",\"req\":\"r\",\"lock\":\"r1\"}");
            JsonNode ok = ws.next();

            assertThat(ok.path("op").asText()).as(ok.toString()).isEqualTo("ok");
            assertThat(ok.path("req").asText()).isEqualTo("r");
            assertThat(ok.path("name").asText()).isEqualTo("r1");
            assertThat(ok.path("version").asLong()).isEqualTo(1);
            assertThat(ok.path("token").asLong()).isEqualTo(lease.path("token").asLong());
            assertThat(ok.path("content_type").asText()).isEqualTo("application/json");
            assertThat(ok.path("size").asInt()).isEqualTo(27);
            assertThat(ok.path("updated_at").asLong()).isPositive();
            assertThat(ok.path("encoding").asText()).isEqualTo("json");
            assertThat(ok.path("payload").path("step").asInt()).isEqualTo(2);
            assertThat(ok.path("payload").path("tags").get(1).asText()).isEqualTo("b");
            assertThat(ok.has("payload_base64")).isFalse();
        }
    }

    /**
     * A backend that hands back a document as a file region (PostgreSQL's large objects, the
     * journal's large entries): the frame reads it off the event loop and sends the same bytes.
     */
    @Test
    void shouldReadStateThatTheBackendStreams(@TempDir Path dir) throws Exception {
        byte[] doc = new byte[10_000];
        new Random(5).nextBytes(doc);
        Path file = java.nio.file.Files.write(dir.resolve("doc"), doc);
        LockState streamed = new LockState(new LockStateInfo(4, "application/x-blob", doc.length, 1000, 2),
                Payload.ofFile(file, doc.length));
        EmbeddedBroker engine = EmbeddedBroker.open(EmbeddedConfig.memory(), BrokerSettings.DEFAULTS);
        Broker broker = (Broker) Proxy.newProxyInstance(Broker.class.getClassLoader(), new Class<?>[] {Broker.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("getLockState") && "file".equals(args[0])) {
                        return CompletableFuture.completedFuture(streamed);
                    }
                    try {
                        return m.invoke(engine, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (engine; ApiClient api = ApiClient.start(ServerConfig.ephemeralMemory(), broker);
             StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            JsonNode first = read(ws, "file");

            assertThat(streamed.payload()).isInstanceOf(Payload.Streamed.class);
            assertThat(first.path("op").asText()).as(first.toString()).isEqualTo("ok");
            assertThat(first.path("version").asLong()).isEqualTo(4);
            assertThat(Base64.getDecoder().decode(first.path("payload_base64").asText())).isEqualTo(doc);
        }
    }

    @Test
    void shouldSendBase64WhenStateIsBinaryOrInvalidJson() throws Exception {
        try (ApiClient api = ApiClient.start(); StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            JsonNode lease = LockApiTest.acquire(api, "r2", "writer", 60_000, 0);
            byte[] blob = {0, (byte) 0xff, 'x', '"'};
            putBytes(api, "r2", lease, blob, "application/x-blob");
            ws.send("{\"op\":\"read_state\",\"req\":1,\"lock\":\"r2\"}");
            JsonNode bin = ws.next();
            put(api, "r2", lease, "{\"broken\":", "application/json; charset=utf-8");
            ws.send("{\"op\":\"read_state\",\"req\":2,\"lock\":\"r2\"}");
            JsonNode broken = ws.next();
            put(api, "r2", lease, "1 2", "application/json");
            ws.send("{\"op\":\"read_state\",\"req\":3,\"lock\":\"r2\"}");
            JsonNode twoValues = ws.next();

            assertThat(bin.path("encoding").asText()).as(bin.toString()).isEqualTo("base64");
            assertThat(Base64.getDecoder().decode(bin.path("payload_base64").asText())).isEqualTo(blob);
            assertThat(bin.has("payload")).isFalse();
            assertThat(broken.path("encoding").asText()).as(broken.toString()).isEqualTo("base64");
            assertThat(new String(Base64.getDecoder().decode(broken.path("payload_base64").asText()),
                    StandardCharsets.UTF_8)).isEqualTo("{\"broken\":");
            assertThat(broken.path("version").asLong()).isEqualTo(2);
            assertThat(twoValues.path("encoding").asText()).isEqualTo("base64");
        }
    }

    @Test
    void shouldAnswerNotFoundWhenLockOrStateIsMissing() throws Exception {
        try (ApiClient api = ApiClient.start(); StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            LockApiTest.acquire(api, "nostate", "holder", 60_000, 0);
            ws.send("{\"op\":\"read_state\",\"req\":1,\"lock\":\"never\"}");
            JsonNode never = ws.next();
            ws.send("{\"op\":\"read_state\",\"req\":2,\"lock\":\"nostate\"}");
            JsonNode held = ws.next();

            assertThat(never.path("op").asText()).isEqualTo("error");
            assertThat(never.path("req").asInt()).isEqualTo(1);
            assertThat(never.path("error").path("code").asText()).as(never.toString())
                    .isEqualTo(api.get("/v1/locks/never/state").errorCode());
            assertThat(never.path("error").path("code").asText()).isEqualTo("not_found");
            assertThat(held.path("error").path("code").asText()).isEqualTo("not_found");
        }
    }

    @Test
    void shouldRefuseStateOver64KiBAndKeepServing(@TempDir Path dir) throws Exception {
        try (ApiClient api = ApiClient.start(journal(dir));
             StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            JsonNode lease = LockApiTest.acquire(api, "big", "writer", 60_000, 0);
            byte[] limit = new byte[64 * 1024];
            new Random(3).nextBytes(limit);
            putBytes(api, "big", lease, limit, "application/octet-stream");
            ws.send("{\"op\":\"read_state\",\"req\":1,\"lock\":\"big\"}");
            JsonNode atLimit = ws.next();
            byte[] over = new byte[64 * 1024 + 1];
            putBytes(api, "big", lease, over, "application/octet-stream");
            ws.send("{\"op\":\"read_state\",\"req\":2,\"lock\":\"big\"}");
            JsonNode tooLarge = ws.next();
            ws.send("{\"op\":\"read_state\",\"req\":3,\"lock\":\"big\",\"x\":1}");
            JsonNode unknown = ws.next();

            assertThat(atLimit.path("op").asText()).as(atLimit.path("error").toString()).isEqualTo("ok");
            assertThat(Base64.getDecoder().decode(atLimit.path("payload_base64").asText())).isEqualTo(limit);
            assertThat(tooLarge.path("error").path("code").asText()).isEqualTo("payload_too_large");
            assertThat(tooLarge.path("error").path("field").asText()).isEqualTo("lock");
            assertThat(tooLarge.path("req").asInt()).isEqualTo(2);
            assertThat(unknown.path("error").path("code").asText()).isEqualTo("invalid_argument");
            assertThat(api.get("/v1/locks/big/state").bytes()).isEqualTo(over);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldSeeEveryWriteDeleteAndTransactionInTheNextReadOnMemoryAndJournal(boolean journal, @TempDir Path dir) throws Exception {
        try (ApiClient api = journal ? ApiClient.start(journal(dir)) : ApiClient.start()) {
            shouldSeeEveryWriteDeleteAndTransactionInTheNextRead(api);
        }
    }

    /** Each step reads twice, so that the reply cache holds the old document when the next write lands. */
    private static void shouldSeeEveryWriteDeleteAndTransactionInTheNextRead(ApiClient api) throws Exception {
        try (StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            JsonNode lease = LockApiTest.acquire(api, "w", "writer", 60_000, 0);
            put(api, "w", lease, "{\"v\":1}", "application/json");
            assertThat(read(ws, "w").path("payload").path("v").asInt()).isEqualTo(1);
            put(api, "w", lease, "{\"v\":2}", "application/json");
            JsonNode second = read(ws, "w");
            assertThat(second.path("payload").path("v").asInt()).isEqualTo(2);
            assertThat(second.path("version").asLong()).isEqualTo(2);

            ApiClient.Resp deleted = api.send("DELETE", "/v1/locks/w/state", null, fence(lease));
            assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
            assertThat(read(ws, "w").path("error").path("code").asText()).isEqualTo("not_found");

            ws.send("{\"op\":\"tx\",\"req\":\"t\",\"ops\":[{\"op\":\"lock_state\",\"lock\":\"w\",\"lease_id\":\""
                    + lease.path("lease_id").asText() + "\",\"token\":" + lease.path("token").asLong()
                    + ",\"payload\":{\"v\":3}},{\"op\":\"release\",\"lock\":\"w\",\"lease_id\":\""
                    + lease.path("lease_id").asText() + "\",\"token\":" + lease.path("token").asLong() + "}]}");
            assertThat(ws.next().path("op").asText()).isEqualTo("ok");
            JsonNode afterTx = read(ws, "w");
            assertThat(afterTx.path("payload").path("v").asInt()).as(afterTx.toString()).isEqualTo(3);

            String cycle = "{\"op\":\"tx\",\"req\":\"c\",\"ops\":[{\"op\":\"acquire\",\"lock\":\"w\",\"owner\":\"ws\","
                    + "\"ttl_ms\":10000},{\"op\":\"lock_state\",\"lock\":\"w\",\"payload\":{\"v\":4}},"
                    + "{\"op\":\"release\",\"lock\":\"w\"}]}";
            ws.send(cycle);
            assertThat(ws.next().path("op").asText()).isEqualTo("ok");
            JsonNode afterCycle = read(ws, "w");
            assertThat(afterCycle.path("payload").path("v").asInt()).isEqualTo(4);
            assertThat(afterCycle.path("token").asLong()).isGreaterThan(lease.path("token").asLong());
        }
    }

    /** Reads twice; both replies must agree (the second may come from the reply cache). */
    private static JsonNode read(StreamApiTest.Socket ws, String lock) throws Exception {
        ws.send("{\"op\":\"read_state\",\"req\":8,\"lock\":\"" + lock + "\"}");
        JsonNode first = ws.next();
        ws.send("{\"op\":\"read_state\",\"req\":9,\"lock\":\"" + lock + "\"}");
        JsonNode second = ws.next();
        assertThat(second.path("req").asInt()).isEqualTo(9);
        ((com.fasterxml.jackson.databind.node.ObjectNode) first).remove("req");
        ((com.fasterxml.jackson.databind.node.ObjectNode) second).remove("req");
        assertThat(second).isEqualTo(first);
        return second;
    }

    private static ServerConfig journal(Path dir) {
        ServerConfig d = ServerConfig.ephemeralMemory();
        return d.withStorage(d.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir));
    }

    private static String[] fence(JsonNode lease) {
        return new String[] {"Spool-Lease-Id", lease.path("lease_id").asText(), "Spool-Lock-Token",
            lease.path("token").asText()};
    }

    private static void put(ApiClient api, String lock, JsonNode lease, String text, String contentType) {
        putBytes(api, lock, lease, text.getBytes(StandardCharsets.UTF_8), contentType);
    }

    private static void putBytes(ApiClient api, String lock, JsonNode lease, byte[] bytes, String contentType) {
        String[] f = fence(lease);
        ApiClient.Resp r = api.send("PUT", "/v1/locks/" + lock + "/state", bytes, "Content-Type", contentType,
                f[0], f[1], f[2], f[3]);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
}
