package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Binary {@code /v1/stream} frames with an attachment (docs/api.md): a {@code tx} frame's
 * {@code lock_state} ops take their documents from the raw bytes after the frame's JSON
 * ({@code payload_bytes}), in op order, and store exactly those bytes; an attachment whose sizes do
 * not add up, a head that names more bytes than came, an attachment on another op, or
 * {@code payload_bytes} where there is no attachment is an error that changes nothing, and the
 * socket keeps serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameAttachmentTest {
    @Test
    void shouldStoreEachAttachedDocumentAsItsBytesInOpOrderOnTheJournal(@TempDir Path dir) throws Exception {
        byte[] first = random(4096, 1);
        byte[] second = random(70_000, 2);
        ServerConfig d = ServerConfig.ephemeralMemory();
        ServerConfig journal = d.withStorage(d.storage().withStorage(ServerConfig.Storage.JOURNAL).withDataDir(dir));
        try (ApiClient api = ApiClient.start(journal);
             StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            String json = "{\"op\":\"tx\",\"req\":7,\"ops\":[" + acquire("a1") + "," + acquire("a2") + ","
                    + "{\"op\":\"lock_state\",\"lock\":\"a1\",\"payload_bytes\":" + first.length + "},"
                    + "{\"lock\":\"a2\",\"content_type\":\"image/png\",\"payload_bytes\":" + second.length
                    + ",\"op\":\"lock_state\"},"
                    + "{\"op\":\"release\",\"lock\":\"a1\"},{\"op\":\"release\",\"lock\":\"a2\"}]}";
            ws.sendBinary(message(json, first, second));
            JsonNode ok = ws.next();
            assertThat(ok.path("op").asText()).as(ok.toString()).isEqualTo("ok");
            assertThat(ok.path("req").asInt()).isEqualTo(7);

            ApiClient.Resp a1 = api.get("/v1/locks/a1/state");
            assertThat(a1.bytes()).isEqualTo(first);
            assertThat(a1.header("Content-Type")).isEqualTo("application/octet-stream");
            ApiClient.Resp a2 = api.get("/v1/locks/a2/state");
            assertThat(a2.bytes()).isEqualTo(second);
            assertThat(a2.header("Content-Type")).isEqualTo("image/png");
        }
    }

    @Test
    void shouldRefuseAnAttachmentThatDoesNotMatchItsOpsAndChangeNothing() throws Exception {
        byte[] doc = random(100, 3);
        try (ApiClient api = ApiClient.start();
             StreamApiTest.Socket ws = new StreamApiTest.Socket(api.base)) {
            // bytes left over that no op names
            assertError(ws, message(cycle("x", "\"payload_bytes\":99", "r1"), doc), "r1", "invalid_argument", "ops");
            // an op that names more than is left
            assertError(ws, message(cycle("x", "\"payload_bytes\":101", "r2"), doc), "r2", "invalid_argument",
                    "ops[1].payload_bytes");
            // a negative or non-integer size
            assertError(ws, message(cycle("x", "\"payload_bytes\":-1", "r3"), doc), "r3", "invalid_argument",
                    "ops[1].payload_bytes");
            assertError(ws, message(cycle("x", "\"payload_bytes\":\"100\"", "r4"), doc), "r4", "invalid_argument",
                    "ops[1].payload_bytes");
            // two forms of the document in one op
            assertError(ws, message(cycle("x", "\"payload_bytes\":100,\"payload_base64\":\"AA==\"", "r5"), doc), "r5",
                    "invalid_argument", "ops[1].payload");
            // payload_bytes in a text frame, which has no attachment
            ws.send(cycle("x", "\"payload_bytes\":0", "r6"));
            assertError(ws.next(), "r6", "invalid_argument", "ops[1].payload_bytes");
            // an attachment on an op other than tx
            assertError(ws, message("{\"op\":\"read_state\",\"lock\":\"x\",\"req\":\"r7\"}", doc), "r7",
                    "invalid_argument", "op");
            // a head whose length is more than the bytes that came: the frame cannot be read at all
            byte[] cut = message(cycle("x", "\"payload_bytes\":100", "r8"), doc);
            ws.sendBinary(java.util.Arrays.copyOf(cut, 20));
            JsonNode bad = ws.next();
            assertThat(bad.path("error").path("code").asText()).as(bad.toString()).isEqualTo("bad_request");
            ws.sendBinary(new byte[] {0, 0});
            assertThat(ws.next().path("error").path("code").asText()).isEqualTo("bad_request");

            // nothing was written, and the socket still serves a good frame
            assertThat(api.get("/v1/locks/x/state").status()).isEqualTo(404);
            ws.sendBinary(message(cycle("x", "\"payload_bytes\":100", "ok"), doc));
            JsonNode ok = ws.next();
            assertThat(ok.path("op").asText()).as(ok.toString()).isEqualTo("ok");
            assertThat(api.get("/v1/locks/x/state").bytes()).isEqualTo(doc);
        }
    }

    @Test
    void shouldRefusePayloadBytesInAnHttpTransaction() {
        try (ApiClient api = ApiClient.start()) {
            ApiClient.Resp r = api.post("/v1/tx", "{\"ops\":[" + acquire("h")
                    + ",{\"op\":\"lock_state\",\"lock\":\"h\",\"payload_bytes\":0}]}");
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.json().path("error").path("field").asText()).isEqualTo("ops[1].payload_bytes");
            // the acquire op did not take effect: the lock is free
            ApiClient.Resp free = api.post("/v1/locks/h/acquire", "{\"owner\":\"u\",\"ttl_ms\":1000,\"wait_ms\":0}");
            assertThat(free.status()).as(free.toString()).isEqualTo(200);
        }
    }

    private static void assertError(StreamApiTest.Socket ws, byte[] message, String req, String code, String field)
            throws Exception {
        ws.sendBinary(message);
        assertError(ws.next(), req, code, field);
    }

    private static void assertError(JsonNode err, String req, String code, String field) {
        assertThat(err.path("op").asText()).as(err.toString()).isEqualTo("error");
        assertThat(err.path("req").asText()).as(err.toString()).isEqualTo(req);
        assertThat(err.path("error").path("code").asText()).as(err.toString()).isEqualTo(code);
        assertThat(err.path("error").path("field").asText()).as(err.toString()).isEqualTo(field);
    }

    /** A binary message: 0x00, the JSON's length in four bytes, the JSON, then the attachment. */
    static byte[] message(String json, byte[]... attachment) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(j.length).array());
        out.writeBytes(j);
        for (byte[] a : attachment) {
            out.writeBytes(a);
        }
        return out.toByteArray();
    }

    private static String acquire(String lock) {
        return "{\"op\":\"acquire\",\"lock\":\"" + lock + "\",\"owner\":\"t\",\"ttl_ms\":10000}";
    }

    /** A tx frame: acquire {@code lock}, a lock_state op with {@code fields}, release. */
    private static String cycle(String lock, String fields, String req) {
        return "{\"op\":\"tx\",\"req\":\"" + req + "\",\"ops\":[" + acquire(lock) + ",{\"op\":\"lock_state\",\"lock\":\""
                + lock + "\"," + fields + "},{\"op\":\"release\",\"lock\":\"" + lock + "\"}]}";
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
