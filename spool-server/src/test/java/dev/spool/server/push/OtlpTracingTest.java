package dev.spool.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.server.ServerConfig;
import dev.spool.server.trace.TracingConfig;

/**
 * The server's spans reach an OTLP collector (a fake one: the JDK HTTP server decoding the
 * protobuf export by hand) as children of the trace context each message was pushed with: push,
 * pop and ack over HTTP, and push delivery, whose request carries the delivery span's context.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OtlpTracingTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT_SPAN = "00f067aa0ba902b7";
    private static final String PARENT = "00-" + TRACE + "-" + PARENT_SPAN + "-01";
    private static final String HOOK_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String HOOK_SPAN = "b7ad6b7169203331";
    private static final String HOOK_PARENT = "00-" + HOOK_TRACE + "-" + HOOK_SPAN + "-01";

    @Test
    void shouldExportSpansOfPushPopAckAndDeliveryAsChildrenOfMessageTrace() throws Exception {
        try (Endpoint collector = new Endpoint(r -> Endpoint.Reply.status(200));
                Endpoint hook = new Endpoint(r -> Endpoint.Reply.status(204))) {
            ServerConfig config = PushFixture.config().withTracing(new TracingConfig(
                    Optional.of(URI.create(collector.url("/v1/traces"))), Map.of("authorization", "Bearer otlp-secret"),
                    "spool-test", 1.0));
            PushFixture spool = PushFixture.start(config);
            try {
                assertThat(Http.send("POST", spool.url("/v1/queues/tq/messages"),
                        "{\"messages\":[{\"payload\":1,\"traceparent\":\"" + PARENT + "\"}]}").status()).isEqualTo(200);
                Http.Reply popped = Http.send("POST", spool.url("/v1/queues/tq/pop"), "{\"max\":1}");
                String receipt = popped.json().get("messages").get(0).get("receipt").asText();
                Http.Reply acked = Http.send("POST", spool.url("/v1/queues/tq/ack"),
                        "{\"receipts\":[\"" + receipt + "\"]}");
                assertThat(acked.json().toString()).contains("ok");

                spool.createQueue("tp", "{}");
                assertThat(spool.putPush("tp", "hook", "{\"url\": \"" + hook.url("/hook") + "\", \"start\": "
                        + "\"earliest\"}").status()).isEqualTo(200);
                assertThat(Http.send("POST", spool.url("/v1/queues/tp/messages"),
                        "{\"messages\":[{\"payload\":2,\"traceparent\":\"" + HOOK_PARENT + "\"}]}").status())
                        .isEqualTo(200);
                await().atMost(Duration.ofSeconds(30)).until(() -> !hook.requests.isEmpty());
            } finally {
                spool.close(); // flushes the batch of spans
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> spans(collector).stream()
                    .anyMatch(s -> s.name().equals("deliver tp")));
            List<OtlpSpans.Span> spans = spans(collector);

            assertThat(one(spans, "push tq")).extracting(OtlpSpans.Span::traceId, OtlpSpans.Span::parentSpanId)
                    .containsExactly(TRACE, PARENT_SPAN);
            assertThat(one(spans, "pop tq")).extracting(OtlpSpans.Span::traceId, OtlpSpans.Span::parentSpanId)
                    .containsExactly(TRACE, PARENT_SPAN);
            assertThat(one(spans, "ack tq")).extracting(OtlpSpans.Span::traceId, OtlpSpans.Span::parentSpanId)
                    .containsExactly(TRACE, PARENT_SPAN);
            OtlpSpans.Span deliver = one(spans, "deliver tp");
            assertThat(deliver.traceId()).isEqualTo(HOOK_TRACE);
            assertThat(deliver.parentSpanId()).isEqualTo(HOOK_SPAN);
            assertThat(hook.requests.get(0).header("traceparent"))
                    .as("the endpoint continues from the delivery span")
                    .isEqualTo("00-" + HOOK_TRACE + "-" + deliver.spanId() + "-01");
            Endpoint.Request export = collector.requests.get(0);
            assertThat(export.header("content-type")).isEqualTo("application/x-protobuf");
            assertThat(export.header("authorization")).isEqualTo("Bearer otlp-secret");
        }
    }

    private static List<OtlpSpans.Span> spans(Endpoint collector) {
        List<OtlpSpans.Span> out = new ArrayList<>();
        for (Endpoint.Request r : collector.requests) {
            out.addAll(OtlpSpans.decode(r.body()));
        }
        return out;
    }

    private static OtlpSpans.Span one(List<OtlpSpans.Span> spans, String name) {
        List<OtlpSpans.Span> named = spans.stream().filter(s -> s.name().equals(name)).toList();
        assertThat(named).as(name + " in " + spans).hasSize(1);
        return named.get(0);
    }
}
