package dev.spool.server.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The streamed ReceiveMessage messages: the same JSON and MD5s as the tree they replace. */
class ReceivedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldWriteSameJsonAsTreeWhenBodiesNeedEscapingOrAreNotAscii() throws Exception {
        String[] bodies = {"plain", "quote \" backslash \\ tab \t newline \n bell \u0007 end", "caf\u00e9 \ud83d\ude00",
            "</script>&<"};
        Received r = new Received(bodies.length);
        ObjectNode attrs = JsonNodeFactory.instance.objectNode().put("SentTimestamp", "1");
        for (int i = 0; i < bodies.length; i++) {
            r.add("id" + i, "rh" + i, bodies[i].getBytes(StandardCharsets.UTF_8), i == 0 ? attrs : null, null, null);
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("Messages", r.node());
        JsonNode streamed = JSON.readTree(JSON.writeValueAsBytes(out));
        assertThat(streamed.get("Messages")).isEqualTo(r.tree());
        for (int i = 0; i < bodies.length; i++) {
            JsonNode m = streamed.get("Messages").get(i);
            assertThat(m.get("Body").asText()).isEqualTo(bodies[i]);
            assertThat(m.get("MD5OfBody").asText()).isEqualTo(Md5s.ofBody(bodies[i]));
        }
        assertThat(streamed.get("Messages").get(0).get("Attributes").get("SentTimestamp").asText()).isEqualTo("1");
        assertThat(streamed.get("Messages").get(1).has("Attributes")).isFalse();
    }

    @Test
    void shouldReplaceInvalidUtf8AsBeforeWhenPayloadIsNotText() throws Exception {
        byte[] bad = {'a', (byte) 0xff, 'b'};
        Received r = new Received(1);
        r.add("id", "rh", bad, null, null, null);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("Messages", r.node());
        JsonNode m = JSON.readTree(JSON.writeValueAsBytes(out)).get("Messages").get(0);
        String decoded = new String(bad, StandardCharsets.UTF_8);
        assertThat(m.get("Body").asText()).isEqualTo(decoded);
        assertThat(m.get("MD5OfBody").asText()).isEqualTo(Md5s.ofBody(decoded));
    }

    @Test
    void shouldComputeKnownMd5sWhenDigestIsReusedOnOneThread() {
        assertThat(Md5s.ofBody("")).isEqualTo("d41d8cd98f00b204e9800998ecf8427e");
        assertThat(Md5s.ofBody("hello")).isEqualTo("5d41402abc4b2a76b9719d911017c592");
        assertThat(Md5s.ofBody("hello".getBytes(StandardCharsets.UTF_8))).isEqualTo("5d41402abc4b2a76b9719d911017c592");
        assertThat(Md5s.ofBody("")).isEqualTo("d41d8cd98f00b204e9800998ecf8427e");
    }
}
