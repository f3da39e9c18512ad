package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The state a {@code lock_state} op of a {@code tx} frame (and of {@code POST /v1/tx}) writes: a
 * {@code payload} JSON value is stored as the very text the client wrote (spaces, escapes, number
 * spellings and key order kept) with {@code application/json}; {@code payload_base64} bytes as they
 * decode; both whether {@code op} comes first in the op object or after the fields it governs. A bad
 * value is an error frame naming the op and the field, changes nothing, and the socket keeps serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockTxFrameTest {
    /** JSON whose text a parse-and-generate round trip would change. */
    private static final String DOC = "{ \"b\" : [1, 2.50, 1e3, \"\\u00e9\\n\"],\n\t\"a\":{}, \"z\" :null }";

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldKeepJsonStateOfATxFrameAsWrittenOnMemoryAndJournal(boolean journal, @TempDir Path dir)
            throws Exception {
        try (ApiClient api = journal ? ApiClient.start(journal(dir)) : ApiClient.start();
             StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            ws.send(cycle("j1", "{\"op\":\"lock_state\",\"lock\":\"j1\",\"payload\":" + DOC + "}", "1"));
            assertOk(ws.next(), "1");
            // op last: the op object is read again from its bytes, with the same result
            ws.send(cycle("j2", "{\"lock\":\"j2\",\"content_type\":\"application/json; charset=utf-8\",\"payload\":"
                    + DOC + ",\"op\":\"lock_state\"}", "2"));
            assertOk(ws.next(), "2");

            ApiClient.Resp first = api.get("/v1/locks/j1/state");
            assertThat(first.status()).as(first.toString()).isEqualTo(200);
            assertThat(first.text()).isEqualTo(DOC);
            assertThat(first.header("Content-Type")).isEqualTo("application/json");
            ApiClient.Resp second = api.get("/v1/locks/j2/state");
            assertThat(second.text()).isEqualTo(DOC);
            assertThat(second.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        }
    }

    @Test
    void shouldKeepJsonStateOfAHttpTransactionAsWritten() {
        try (ApiClient api = ApiClient.start()) {
            ApiClient.Resp tx = api.post("/v1/tx", "{\"ops\":[{\"op\":\"acquire\",\"lock\":\"h\",\"owner\":\"o\","
                    + "\"ttl_ms\":10000},{\"lock\":\"h\",\"payload\":" + DOC + ",\"op\":\"lock_state\"},"
                    + "{\"op\":\"release\",\"lock\":\"h\"}]}");
            assertThat(tx.status()).as(tx.toString()).isEqualTo(200);
            assertThat(tx.json().path("results").get(1).path("op").asText()).isEqualTo("lock_state");

            assertThat(api.get("/v1/locks/h/state").text()).isEqualTo(DOC);
        }
    }

    @Test
    void shouldStoreBase64StateAsItsBytesWhetherOrNotItIsEscaped() throws Exception {
        byte[] bytes = new byte[3000];
        new Random(7).nextBytes(bytes);
        String b64 = Base64.getEncoder().encodeToString(bytes);
        // the same text with its first character written as a JSON escape
        String escaped = "\\u00" + Integer.toHexString(b64.charAt(0)) + b64.substring(1);
        try (ApiClient api = ApiClient.start();
             StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            ws.send(cycle("b1", "{\"op\":\"lock_state\",\"lock\":\"b1\",\"payload_base64\":\"" + b64 + "\"}", "1"));
            assertOk(ws.next(), "1");
            ws.send(cycle("b2", "{\"lock\":\"b2\",\"payload_base64\":\"" + escaped + "\",\"content_type\":"
                    + "\"image/png\",\"op\":\"lock_state\"}", "2"));
            assertOk(ws.next(), "2");

            ApiClient.Resp first = api.get("/v1/locks/b1/state");
            assertThat(first.bytes()).isEqualTo(bytes);
            assertThat(first.header("Content-Type")).isEqualTo("application/octet-stream");
            ApiClient.Resp second = api.get("/v1/locks/b2/state");
            assertThat(second.bytes()).isEqualTo(bytes);
            assertThat(second.header("Content-Type")).isEqualTo("image/png");
        }
    }

    @Test
    void shouldRefuseABadStateValueWithAnErrorFrameAndChangeNothing() throws Exception {
        String[][] cases = {
            // op object, field named, code
            {"{\"op\":\"lock_state\",\"lock\":\"x\",\"content_type\":\"text/plain\",\"payload\":{\"a\":1}}",
                "ops[1].content_type", "invalid_argument"},
            {"{\"op\":\"lock_state\",\"lock\":\"x\",\"payload_base64\":\"not base64!\"}",
                "ops[1].payload_base64", "invalid_argument"},
            {"{\"lock\":\"x\",\"payload_base64\":\"%%%%\",\"op\":\"lock_state\"}",
                "ops[1].payload_base64", "invalid_argument"},
            {"{\"op\":\"lock_state\",\"lock\":\"x\",\"payload_base64\":12}", "ops[1].payload_base64",
                "invalid_argument"},
            {"{\"op\":\"lock_state\",\"lock\":\"x\",\"payload\":{\"a\":1},\"payload_base64\":\"AA==\"}",
                "ops[1].payload", "invalid_argument"},
            {"{\"op\":\"lock_state\",\"lock\":\"x\"}", "ops[1].payload", "invalid_argument"},
            {"{\"op\":\"lock_state\",\"lock\":\"x\",\"payload\":{\"a\":1},\"colour\":1}", "ops[1].colour",
                "invalid_argument"},
            {"{\"op\":\"lock_state\",\"payload\":{\"a\":1}}", "ops[1].lock", "invalid_argument"},
            {"{\"op\":\"lock_state\",\"lock\":\"x\",\"if_version\":1.5,\"payload\":1}", "ops[1].if_version",
                "invalid_argument"},
            {"{\"payload\":{\"a\":1},\"lock\":\"x\"}", "ops[1].op", "invalid_argument"},
        };
        try (ApiClient api = ApiClient.start();
             StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            for (int i = 0; i < cases.length; i++) {
                ws.send(cycle("x", cases[i][0], "e" + i));
                JsonNode err = ws.next();
                assertThat(err.path("op").asText()).as(cases[i][0] + " -> " + err).isEqualTo("error");
                assertThat(err.path("req").asText()).isEqualTo("e" + i);
                assertThat(err.path("error").path("code").asText()).as(err.toString()).isEqualTo(cases[i][2]);
                assertThat(err.path("error").path("field").asText()).as(err.toString()).isEqualTo(cases[i][1]);
                assertThat(err.path("error").path("op_index").asInt()).isEqualTo(1);
            }
            // broken JSON inside the payload: the frame is malformed (bad_request), and still answered
            ws.send("{\"op\":\"tx\",\"req\":\"m\",\"ops\":[{\"op\":\"lock_state\",\"lock\":\"x\",\"payload\":{\"a\":}}]}");
            JsonNode malformed = ws.next();
            assertThat(malformed.path("error").path("code").asText()).as(malformed.toString())
                    .isEqualTo("bad_request");

            assertThat(api.get("/v1/locks/x/state").status()).isEqualTo(404);
            ws.send(cycle("x", "{\"op\":\"lock_state\",\"lock\":\"x\",\"payload\":[true]}", "ok"));
            assertOk(ws.next(), "ok");
            assertThat(api.get("/v1/locks/x/state").text()).isEqualTo("[true]");
        }
    }

    /** A tx frame: acquire {@code lock}, the {@code lockState} op, release. */
    private static String cycle(String lock, String lockState, String req) {
        return "{\"op\":\"tx\",\"ops\":[{\"op\":\"acquire\",\"lock\":\"" + lock + "\",\"owner\":\"t\",\"ttl_ms\":10000},"
                + lockState + ",{\"op\":\"release\",\"lock\":\"" + lock + "\"}],\"req\":\"" + req + "\"}";
    }

    private static void assertOk(JsonNode reply, String req) {
        assertThat(reply.path("op").asText()).as(reply.toString()).isEqualTo("ok");
        assertThat(reply.path("req").asText()).isEqualTo(req);
        assertThat(reply.path("results").size()).isEqualTo(3);
        assertThat(reply.path("results").get(0).path("token").asLong()).isPositive();
    }

    private static ServerConfig journal(Path dir) {
        ServerConfig d = ServerConfig.ephemeralMemory();
        return d.withStorage(d.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir));
    }
}
