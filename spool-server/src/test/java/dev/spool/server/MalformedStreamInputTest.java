package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.ErrorCode;

/**
 * The malformed-input corpus of {@link MalformedInputTest} for {@code /v1/stream} frames: each bad
 * frame gets an error frame with a 4xx code (never a 5xx one, never a stack trace), the socket
 * keeps serving, a message over the size bound closes it with 1009, and nothing changes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MalformedStreamInputTest {
    private static ApiClient api;
    private static String receipt;

    @BeforeAll
    static void start() {
        api = MalformedInputTest.victimServer();
        receipt = MalformedInputTest.victimReceipt(api);
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    @Test
    void shouldAnswerErrorFrameAndChangeNothingForEveryMalformedStreamFrame() throws Exception {
        String before = MalformedInputTest.snapshot(api);
        List<String> corpus = streamCorpus();
        List<String> failures = new ArrayList<>();
        try (StreamApiTest.Socket s = new StreamApiTest.Socket(api.base)) {
            // a subscription without credit leases nothing; it makes the duplicate-name case possible
            s.send("{\"op\":\"subscribe\",\"req\":0,\"sub\":\"held\",\"queue\":\"victim\",\"credit\":0}");
            assertThat(s.next().path("op").asText()).isEqualTo("ok");
            for (String f : corpus) {
                s.send(f);
                String problem = checkFrame(s.next());
                if (problem != null) {
                    failures.add(f.substring(0, Math.min(f.length(), 120)) + " -> " + problem);
                }
            }
            for (byte[] bin : new byte[][] {{(byte) 0xff, (byte) 0xfe, '{'}, {}, {0},
                "{\"op\":\"push\",\"req\":1,\"queue\":\"victim\",\"messages\":[{\"payload\":1,\"priority\":11}]}"
                    .getBytes(StandardCharsets.UTF_8)}) {
                s.ws.sendBinary(java.nio.ByteBuffer.wrap(bin), true).get(10, TimeUnit.SECONDS);
                String problem = checkFrame(s.next());
                if (problem != null) {
                    String shown = java.util.Arrays.toString(bin);
                    failures.add("binary " + shown.substring(0, Math.min(40, shown.length())) + " -> " + problem);
                }
            }
            assertThat(s.frames).as("one reply per frame").isEmpty();
            s.send("{\"op\":\"unsubscribe\",\"req\":\"alive\",\"sub\":\"held\"}");
            JsonNode alive = s.next();
            assertThat(alive.path("op").asText()).as(alive.toString()).isEqualTo("ok");
            assertThat(alive.path("req").asText()).isEqualTo("alive");
        }
        assertThat(failures).as("of %d frames", corpus.size()).isEmpty();
        assertThat(corpus.size()).isGreaterThan(80);
        assertThat(MalformedInputTest.snapshot(api)).isEqualTo(before);
    }

    @Test
    void shouldCloseStreamWith1009WhenAMessageIsOverTheLimit() throws Exception {
        String before = MalformedInputTest.snapshot(api);
        String big = "{\"op\":\"push\",\"queue\":\"victim\",\"messages\":[{\"payload\":\""
                + "x".repeat(70 * 1024) + "\"}]}";
        try (StreamApiTest.Socket s = new StreamApiTest.Socket(api.base)) {
            s.ws.sendText(big, true);
            assertThat(s.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1009);
        }
        try (StreamApiTest.Socket s = new StreamApiTest.Socket(api.base)) {
            int half = big.length() / 2;
            s.ws.sendText(big.substring(0, half), false).get(10, TimeUnit.SECONDS);
            s.ws.sendText(big.substring(half), true);
            assertThat(s.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1009);
        }
        assertThat(MalformedInputTest.snapshot(api)).isEqualTo(before);
        assertThat(api.get("/healthz").status()).isEqualTo(200);
    }

    private static String checkFrame(JsonNode f) {
        if (!"error".equals(f.path("op").asText())) {
            return "not an error: " + f;
        }
        String code = f.path("error").path("code").asText();
        if (code.isEmpty() || f.path("error").path("message").asText().isEmpty()) {
            return "no error document: " + f;
        }
        if (ErrorCode.fromId(code).httpStatus() >= 500) {
            return "server error: " + f;
        }
        if (f.toString().contains("Exception")) {
            return "leaks internals: " + f;
        }
        return null;
    }

    private static List<String> streamCorpus() {
        List<String> c = new ArrayList<>();
        for (String b : MalformedInputTest.BROKEN_JSON) {
            c.add(b);
        }
        MalformedLockInput.streamCases(c);
        MalformedLockInput.readStateCases(c);
        c.add("{\"req\":1}");
        c.add("{\"op\":1,\"req\":1}");
        c.add("{\"op\":\"fly\",\"req\":1}");
        c.add("{\"op\":\"PUSH\",\"req\":1}");
        for (String req : new String[] {"{}", "[]", "1.5", "true", "\"" + "r".repeat(65) + "\"", "99999999999999999999"}) {
            c.add("{\"op\":\"push\",\"req\":" + req + ",\"queue\":\"victim\",\"messages\":[{\"payload\":1}]}");
        }
        String push = "{\"op\":\"push\",\"req\":1,";
        c.add(push + "\"messages\":[{\"payload\":1}]}");
        c.add(push + "\"queue\":\"bad name\",\"messages\":[{\"payload\":1}]}");
        c.add(push + "\"queue\":1,\"messages\":[{\"payload\":1}]}");
        c.add(push + "\"queue\":\"victim\"}");
        for (String ms : new String[] {"[]", "{}", "[1]", "[{}]", "[{\"payload\":1,\"payload_base64\":\"AA==\"}]",
            "[" + "{\"payload\":1},".repeat(10) + "{\"payload\":1}]", "[{\"payload\":\"" + "x".repeat(2000) + "\"}]",
            "[{\"payload\":1},{\"payload\":1,\"priority\":10}]", "[{\"payload\":1,\"delay_ms\":-1}]",
            "[{\"payload\":1,\"headers\":{\"h\":1}}]", "[{\"payload_base64\":\"!!\"}]",
            "[{\"payload\":1,\"traceparent\":\"00-bad\"}]", "[{\"payload\":1,\"color\":\"red\"}]"}) {
            c.add(push + "\"queue\":\"victim\",\"messages\":" + ms + "}");
        }
        c.add(push + "\"queue\":\"victim\",\"messages\":[{\"payload\":1}],\"extra\":1}");
        String sub = "{\"op\":\"subscribe\",\"req\":1,";
        for (String body : new String[] {"\"queue\":\"victim\"", "\"credit\":1", "\"queue\":\"victim\",\"credit\":-1",
            "\"queue\":\"victim\",\"credit\":100001", "\"queue\":\"victim\",\"credit\":\"1\"",
            "\"queue\":\"bad name\",\"credit\":1", "\"queue\":\"victim\",\"credit\":1,\"group\":\"bad name\"",
            "\"queue\":\"victim\",\"credit\":1,\"visibility_ms\":-5", "\"queue\":\"victim\",\"credit\":1,\"sub\":\"a b\"",
            "\"queue\":\"victim\",\"credit\":1,\"sub\":\"held\"", "\"queue\":\"victim\",\"credit\":1,\"max\":3",
            "\"queue\":\"victim\",\"credit\":1.5"}) {
            c.add(sub + body + "}");
        }
        for (String body : new String[] {"", "\"sub\":\"nope\",\"credit\":1", "\"sub\":\"held\"",
            "\"sub\":\"held\",\"credit\":0", "\"sub\":\"held\",\"credit\":100001", "\"sub\":\"held\",\"credit\":\"1\"",
            "\"sub\":1,\"credit\":1"}) {
            c.add("{\"op\":\"credit\",\"req\":1" + (body.isEmpty() ? "" : "," + body) + "}");
        }
        c.add("{\"op\":\"unsubscribe\",\"req\":1}");
        c.add("{\"op\":\"unsubscribe\",\"req\":1,\"sub\":\"nope\"}");
        for (String op : new String[] {"ack", "nack", "extend"}) {
            String head = "{\"op\":\"" + op + "\",\"req\":1,";
            c.add(head + "\"receipts\":[\"" + receipt + "\"]}");
            c.add(head + "\"queue\":\"victim\"}");
            c.add(head + "\"queue\":\"victim\",\"receipts\":[]}");
            c.add(head + "\"queue\":\"victim\",\"receipts\":\"" + receipt + "\"}");
            c.add(head + "\"queue\":\"victim\",\"receipts\":[\"nope\"]}");
            c.add(head + "\"queue\":\"victim\",\"receipts\":[" + ("\"" + receipt + "\",").repeat(10) + "\"" + receipt
                    + "\"]}");
            c.add(head + "\"queue\":\"bad name\",\"receipts\":[\"" + receipt + "\"]}");
            c.add(head + "\"queue\":\"victim\",\"receipts\":[\"" + receipt + "\"],\"group\":\"nosuch\"}");
            c.add(head + "\"queue\":\"victim\",\"receipts\":[\"" + receipt + "\"],\"sub\":\"nope\",\"credit\":1}");
            c.add(head + "\"queue\":\"victim\",\"receipts\":[\"" + receipt + "\"],\"credit\":1}");
            c.add(head + "\"queue\":\"victim\",\"receipts\":[\"" + receipt + "\"],\"extra\":1}");
        }
        String ack = "{\"op\":\"ack\",\"req\":1,\"queue\":\"victim\",\"receipts\":[\"" + receipt + "\"],";
        c.add(ack + "\"result\":1,\"result_base64\":\"AA==\"}");
        c.add(ack + "\"result_base64\":\"***\"}");
        c.add("{\"op\":\"nack\",\"req\":1,\"queue\":\"victim\",\"receipts\":[\"" + receipt + "\"],\"delay_ms\":-5}");
        c.add("{\"op\":\"extend\",\"req\":1,\"queue\":\"victim\",\"receipts\":[\"" + receipt
                + "\"],\"visibility_ms\":999999999999}");
        return c;
    }
}
