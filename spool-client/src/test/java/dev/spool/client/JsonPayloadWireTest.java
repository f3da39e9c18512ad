package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.SpoolException;

/**
 * An {@code application/json} payload that is exactly one JSON value goes on the wire as
 * {@code payload}, the caller's bytes as they are, and is stored byte for byte; anything else goes
 * as {@code payload_base64}, so no payload can change the frame around it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JsonPayloadWireTest {
    @RegisterExtension
    static final TestServer t = TestServer.perClass();

    private static NewMessage json(String text) {
        return json(text.getBytes(StandardCharsets.UTF_8));
    }

    private static NewMessage json(byte[] bytes) {
        return NewMessage.builder(Payload.of(bytes)).contentType("application/json").build();
    }

    private static String wire(NewMessage m) {
        return JsonCodec.write(g -> JsonCodec.writeMessage(g, m)).toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteOneJsonValueAsItIs() {
        assertThat(wire(json("{\"b\": [1, 2] }"))).startsWith("{\"payload\":{\"b\": [1, 2] }");
        assertThat(wire(json("\"text\""))).startsWith("{\"payload\":\"text\"");
        assertThat(wire(json("123"))).startsWith("{\"payload\":123");
        assertThat(wire(json("null"))).startsWith("{\"payload\":null");
    }

    @Test
    void shouldWriteAnythingElseAsBase64() {
        List<String> notOneValue = List.of("", " 1", "1 ", "\n{}", "1}{", "\"a\",\"b\"", "\"abc",
                "{\"a\":1}, {\"payload\":2}", "1},{\"payload_base64\":\"AA==\"", "\"a\u0001\"", "{\"a\":}");
        for (String s : notOneValue) {
            assertThat(wire(json(s))).as("[%s]", s).startsWith("{\"payload_base64\":")
                    .contains("\"content_type\":\"application/json\"");
        }
        byte[] badUtf8 = {'"', (byte) 0xff, '"'};
        assertThat(wire(json(badUtf8))).startsWith("{\"payload_base64\":");
        // not JSON-typed: base64 whatever the bytes
        assertThat(wire(NewMessage.ofUtf8("{}"))).startsWith("{\"payload_base64\":");
    }

    @Test
    void shouldStoreTheBytesGivenOverHttpAndTheStream() {
        String q = "jsonwire";
        List<String> bodies = List.of("{\"b\": [1, 2] }", "\"caf\u00e9 \\u00e9\"", "[ ]", "-0.5e3",
                "0.1000000000000000055511151231257827", "true", "{\"s\":\"}\\\"]\"}");
        SpoolClient.await(t.client.push(q, bodies.stream().map(JsonPayloadWireTest::json).toList()));
        try (Producer p = t.client.producer(q, ProducerOptions.DEFAULTS.withTransport(PushTransport.STREAM))) {
            for (String b : bodies) {
                p.send(json(b));
            }
            p.flush();
        }
        List<Delivery> ds = SpoolClient.await(t.client.pop(q, PopRequest.of(100)));
        assertThat(ds).extracting(d -> d.body().payload().asUtf8())
                .containsExactlyElementsOf(java.util.stream.Stream.concat(bodies.stream(), bodies.stream()).toList());
        assertThat(ds).allSatisfy(d -> assertThat(d.body().contentType()).isEqualTo("application/json"));
        // the stream consumer reads text frames: the same bytes
        List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        SpoolClient.await(t.client.nack(q, dev.spool.api.NackRequest.of(dev.spool.api.Receipts.of(ds))));
        try (Consumer c = t.client.consumer(q, ConsumerOptions.DEFAULTS, d -> got.add(d.body().payload().asUtf8()))) {
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> got.size() == 2 * bodies.size());
        }
        assertThat(got).containsExactlyInAnyOrderElementsOf(
                java.util.stream.Stream.concat(bodies.stream(), bodies.stream()).toList());
    }

    @Test
    void shouldRefuseJsonTypedBytesThatAreNotOneValueWithoutStoringAnything() {
        String q = "jsoninject";
        assertThatThrownBy(() -> SpoolClient.await(t.client.push(q,
                List.of(json("1},{\"payload_base64\":\"AA==\"")))))
                .isInstanceOfSatisfying(SpoolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        try (Producer p = t.client.producer(q, ProducerOptions.DEFAULTS.withTransport(PushTransport.STREAM))) {
            assertThatThrownBy(() -> p.send(json("{\"a\":1}, {\"payload\":2}")).join())
                    .hasCauseInstanceOf(SpoolException.class);
        }
        SpoolClient.await(t.client.push(q, List.of(json("1"))));
        assertThat(SpoolClient.await(t.client.pop(q, PopRequest.of(100))))
                .extracting(d -> d.body().payload().asUtf8()).containsExactly("1");
    }
}
