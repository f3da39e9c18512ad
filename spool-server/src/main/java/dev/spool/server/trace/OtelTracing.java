package dev.spool.server.trace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

import dev.spool.api.Delivery;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.NewMessage;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;

/**
 * Tracing with the OpenTelemetry SDK: spans go through a {@link BatchSpanProcessor} (a bounded
 * queue; spans beyond it are dropped, never waited for) to an exporter, OTLP/HTTP with the JDK's
 * HTTP client unless one is given.
 *
 * <p>One span per distinct trace context in a request: a batch pushed under one traceparent makes
 * one push span, a pop of messages from three traces makes three pop spans, each a child of its
 * message's context. Messages without a trace context share one span that starts a new trace (the
 * sampler decides). At most {@value #MAX_SPANS_PER_REQUEST} spans per request; the rest join that
 * last one.
 */
public final class OtelTracing implements Tracing {
    static final int MAX_SPANS_PER_REQUEST = 64;
    private static final int RECENT = 1 << 16;
    private static final String SCOPE = "dev.spool.server";
    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.name");
    private static final AttributeKey<String> GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    private static final AttributeKey<Long> COUNT = AttributeKey.longKey("messaging.batch.message_count");
    private static final AttributeKey<String> TRANSPORT = AttributeKey.stringKey("spool.transport");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final Clock clock = Clock.getDefault();
    private final RecentTraces recent = new RecentTraces(RECENT);

    private OtelTracing(TracingConfig config, SpanExporter exporter) {
        Resource resource = Resource.getDefault()
                .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), config.serviceName())));
        provider = SdkTracerProvider.builder().setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.samplingRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setMeterProvider(MeterProvider.noop()).build())
                .build();
        tracer = provider.get(SCOPE);
    }

    static OtelTracing otlp(TracingConfig config) {
        OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder().setEndpoint(config.tracesUrl())
                .setMeterProvider(MeterProvider.noop());
        config.headers().forEach(b::addHeader);
        return new OtelTracing(config, b.build());
    }

    /** Tracing that hands its spans to {@code exporter}: tests, or an application embedding the server. */
    public static OtelTracing withExporter(TracingConfig config, SpanExporter exporter) {
        return new OtelTracing(config, exporter);
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public long now() {
        return clock.now();
    }

    @Override
    public void pushed(Transport t, String queue, List<NewMessage> messages, long[] ids, long start, Throwable error) {
        Spans spans = new Spans();
        for (int i = 0; i < messages.size(); i++) {
            MessageBody b = messages.get(i).body();
            spans.add(b.traceparent().orElse(null), b.headers().get("tracestate"), ids == null ? -1 : ids[i]);
        }
        spans.emit("push", SpanKind.PRODUCER, t, queue, null, start, error);
    }

    @Override
    public void popped(Transport t, String queue, String group, List<Delivery> ds, long start, Throwable error) {
        if (ds == null || ds.isEmpty()) {
            return;
        }
        Spans spans = new Spans();
        for (Delivery d : ds) {
            MessageBody b = d.body();
            String tp = b.traceparent().orElse(null);
            String ts = b.headers().get("tracestate");
            if (tp != null) {
                recent.put(d.id(), tp, ts);
            }
            spans.add(tp, ts, d.id());
        }
        spans.emit("pop", SpanKind.CONSUMER, t, queue, group, start, error);
    }

    @Override
    public void settled(Transport t, String op, String queue, String group, Receipts receipts,
            Optional<String> requestParent, long start, Throwable error) {
        Spans spans = new Spans();
        for (int i = 0; i < receipts.size(); i++) {
            long id = receipts.id(i);
            RecentTraces.Entry e = recent.get(id);
            spans.add(e != null ? e.traceparent() : requestParent.orElse(null), e != null ? e.tracestate() : null, id);
        }
        spans.emit(op, SpanKind.SERVER, t, queue, group, start, error);
    }

    @Override
    public DeliverySpan delivering(String queue, String group, Delivery d) {
        MessageBody b = d.body();
        Context parent = parent(b.traceparent().orElse(null), b.headers().get("tracestate"));
        Span span = tracer.spanBuilder("deliver " + queue).setSpanKind(SpanKind.CLIENT).setParent(parent)
                .setAllAttributes(attributes("deliver", Transport.HTTP, queue, group)
                        .put(MESSAGE_ID, MessageIds.format(d.id())).build())
                .startSpan();
        SpanContext sc = span.getSpanContext();
        Optional<String> traceparent = sc.isValid()
                ? Optional.of("00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex())
                : Optional.empty();
        return new DeliverySpan() {
            @Override
            public Optional<String> traceparent() {
                return traceparent;
            }

            @Override
            public void end(int status, String error) {
                if (status > 0) {
                    span.setAttribute(HTTP_STATUS, (long) status);
                }
                if (!error.isEmpty()) {
                    span.setAttribute(ERROR_TYPE, status > 0 ? Integer.toString(status) : "request_failed");
                    span.setStatus(StatusCode.ERROR, error);
                }
                span.end();
            }
        };
    }

    /** Exports what is pending now (tests). */
    void flush() {
        provider.forceFlush().join(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }

    private static Context parent(String traceparent, String tracestate) {
        if (traceparent == null) {
            return Context.root();
        }
        Map<String, String> carrier = tracestate == null ? Map.of("traceparent", traceparent)
                : Map.of("traceparent", traceparent, "tracestate", tracestate);
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), carrier, GETTER);
    }

    private static AttributesBuilder attributes(String op, Transport t, String queue, String group) {
        AttributesBuilder a = Attributes.builder().put(SYSTEM, "spool").put(DESTINATION, queue).put(OPERATION, op)
                .put(TRANSPORT, t == Transport.HTTP ? "http" : "stream");
        if (group != null) {
            a.put(GROUP, group);
        }
        return a;
    }

    private static String errorType(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return c instanceof SpoolException se ? se.code().id() : c.getClass().getSimpleName();
    }

    /** The messages of one request grouped by trace context, in first-seen order. */
    private final class Spans {
        private final Map<String, Member> byContext = new LinkedHashMap<>();
        private Member untraced;

        void add(String traceparent, String tracestate, long id) {
            Member m;
            if (traceparent == null || byContext.size() >= MAX_SPANS_PER_REQUEST
                    && !byContext.containsKey(key(traceparent, tracestate))) {
                if (untraced == null) {
                    untraced = new Member(null, null);
                }
                m = untraced;
            } else {
                m = byContext.computeIfAbsent(key(traceparent, tracestate), k -> new Member(traceparent, tracestate));
            }
            m.count++;
            m.id = id;
        }

        void emit(String op, SpanKind kind, Transport t, String queue, String group, long start, Throwable error) {
            long end = clock.now();
            for (Member m : byContext.values()) {
                m.emit(op, kind, t, queue, group, start, end, error);
            }
            if (untraced != null) {
                untraced.emit(op, kind, t, queue, group, start, end, error);
            }
        }

        private static String key(String traceparent, String tracestate) {
            return tracestate == null ? traceparent : traceparent + '\n' + tracestate;
        }
    }

    /** The messages of one trace context in a request. */
    private final class Member {
        final String traceparent;
        final String tracestate;
        int count;
        long id;

        Member(String traceparent, String tracestate) {
            this.traceparent = traceparent;
            this.tracestate = tracestate;
        }

        void emit(String op, SpanKind kind, Transport t, String queue, String group, long start, long end,
                Throwable error) {
            AttributesBuilder a = attributes(op, t, queue, group);
            if (count == 1 && id >= 0) {
                a.put(MESSAGE_ID, MessageIds.format(id));
            } else {
                a.put(COUNT, (long) count);
            }
            Span span = tracer.spanBuilder(op + " " + queue).setSpanKind(kind).setParent(parent(traceparent, tracestate))
                    .setStartTimestamp(start, TimeUnit.NANOSECONDS).setAllAttributes(a.build()).startSpan();
            if (error != null) {
                String type = errorType(error);
                span.setAttribute(ERROR_TYPE, type);
                span.setStatus(StatusCode.ERROR, type);
            }
            span.end(end, TimeUnit.NANOSECONDS);
        }
    }
}
