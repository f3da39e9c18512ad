package dev.spool.server.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;

import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;

/** Tracing off costs no OpenTelemetry object; on, spans continue each message's own trace. */
class TracingTest {
    private static final String A = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String B = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void shouldCreateNoExporterWhenOtlpIsOff() {
        Tracing t = Tracing.create(TracingConfig.OFF);
        assertThat(t).isSameAs(Tracing.off()).isNotInstanceOf(OtelTracing.class);
        assertThat(t.enabled()).isFalse();
        assertThat(t.now()).isZero();
        assertThat(t.delivering("q", "g", delivery(1, A))).isSameAs(Tracing.DeliverySpan.NONE);
    }

    @Test
    void shouldPostToV1TracesOfBaseEndpoint() {
        assertThat(config("http://collector:4318").tracesUrl()).isEqualTo("http://collector:4318/v1/traces");
        assertThat(config("http://collector:4318/").tracesUrl()).isEqualTo("http://collector:4318/v1/traces");
        assertThat(config("https://c/v1/traces").tracesUrl()).isEqualTo("https://c/v1/traces");
    }

    @Test
    void shouldRefuseGrpcAndBadValues() {
        assertThatThrownBy(() -> TracingConfig.parseProtocol("grpc")).isInstanceOf(SpoolException.class)
                .hasMessageContaining("http/protobuf");
        assertThatThrownBy(() -> TracingConfig.parseEndpoint("localhost:4318")).isInstanceOf(SpoolException.class);
        assertThatThrownBy(() -> new TracingConfig(Optional.empty(), Map.of(), "spool", 1.5))
                .isInstanceOf(SpoolException.class);
        assertThat(TracingConfig.parseHeaders("a=1, b = two")).containsExactly(Map.entry("a", "1"), Map.entry("b", "two"));
    }

    @Test
    void shouldMakeOneSpanPerTraceContextWithMessageContextAsParent() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        OtelTracing t = OtelTracing.withExporter(config("http://unused:4318"), exporter);
        long t0 = t.now();
        t.pushed(Tracing.Transport.STREAM, "q", List.of(message(A), message(A), message(B), message(null)),
                new long[] {1, 2, 3, 4}, t0, null);
        t.popped(Tracing.Transport.HTTP, "q", "default", List.of(delivery(1, A), delivery(3, B)), t0, null);
        t.settled(Tracing.Transport.HTTP, "ack", "q", "default", Receipts.of(List.of(delivery(3, B))),
                Optional.empty(), t0, null);
        t.settled(Tracing.Transport.HTTP, "nack", "q", "default", Receipts.of(List.of(delivery(99, null))),
                Optional.of(A), t0, new SpoolException(dev.spool.api.ErrorCode.QUEUE_NOT_FOUND, "gone"));
        t.flush();

        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).extracting(SpanData::getName)
                .containsExactly("push q", "push q", "push q", "pop q", "pop q", "ack q", "nack q");
        assertThat(spans.get(0).getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(spans.get(0).getAttributes().asMap().toString()).contains("messaging.batch.message_count=2")
                .contains("spool.transport=stream");
        assertThat(spans.get(1).getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(spans.get(2).getParentSpanContext().isValid()).as("no context: a new trace").isFalse();
        assertThat(spans.get(5).getParentSpanId()).as("ack finds the delivered message's trace")
                .isEqualTo("b7ad6b7169203331");
        assertThat(spans.get(6).getParentSpanId()).as("else the request's traceparent").isEqualTo("00f067aa0ba902b7");
        assertThat(spans.get(6).getStatus().getStatusCode().name()).isEqualTo("ERROR");
        t.close();
    }

    private static TracingConfig config(String url) {
        return new TracingConfig(TracingConfig.parseEndpoint(url), Map.of(), "spool", 1.0);
    }

    private static MessageBody body(String traceparent) {
        return new MessageBody(Payload.of(new byte[] {1}), "application/octet-stream", Map.of(), Optional.empty(), 0,
                Optional.ofNullable(traceparent));
    }

    private static NewMessage message(String traceparent) {
        return new NewMessage(body(traceparent), 0, 0, 0, Optional.empty());
    }

    private static Delivery delivery(long id, String traceparent) {
        return new Delivery(id, 1, 0, 0, body(traceparent));
    }
}
