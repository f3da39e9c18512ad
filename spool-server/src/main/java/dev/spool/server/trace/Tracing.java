package dev.spool.server.trace;

import java.util.List;
import java.util.Optional;

import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.Receipts;

/**
 * The server's spans. Each one continues the W3C trace context stored with the message it is
 * about: a push span is a child of the traceparent the message was pushed with, and the spans of
 * its pops, settles and push deliveries are children of that same context.
 *
 * <p>{@link #off()} is the default: callers test {@link #enabled()} before measuring anything, and
 * the off implementation loads no OpenTelemetry class, so a server without an OTLP endpoint pays
 * one predictable branch per request. Spans are recorded after the fact with explicit start and end
 * times (no thread-local context), which suits the event loops and storage threads that complete a
 * request on different threads.
 */
public sealed interface Tracing permits Tracing.Off, OtelTracing {

    /** The transport a span's request came over ({@code spool.transport}). */
    enum Transport { HTTP, STREAM }

    /** No tracing. */
    static Tracing off() {
        return Off.INSTANCE;
    }

    /** Tracing as configured: {@link #off()} without an endpoint, OTLP/HTTP export with one. */
    static Tracing create(TracingConfig config) {
        return config.enabled() ? OtelTracing.otlp(config) : off();
    }

    /** Whether spans are recorded. */
    boolean enabled();

    /** The current time in epoch nanoseconds when enabled; 0 when off. */
    long now();

    /** A push of {@code messages} (given {@code ids} when it succeeded) that started at {@code start}. */
    void pushed(Transport t, String queue, List<NewMessage> messages, long[] ids, long start, Throwable error);

    /** Deliveries handed out by a pop that started at {@code start}. */
    void popped(Transport t, String queue, String group, List<Delivery> ds, long start, Throwable error);

    /** An ack, nack or extend ({@code op}) of {@code receipts}; {@code requestParent} is the request's traceparent. */
    void settled(Transport t, String op, String queue, String group, Receipts receipts, Optional<String> requestParent,
            long start, Throwable error);

    /** Starts the span of one push delivery (an outgoing HTTP request). */
    DeliverySpan delivering(String queue, String group, Delivery d);

    /** Exports what is pending and stops; a no-op when off. */
    void close();

    /** The span of one push delivery while its request is in flight. */
    interface DeliverySpan {
        /** Does nothing. */
        DeliverySpan NONE = new DeliverySpan() {
            @Override
            public Optional<String> traceparent() {
                return Optional.empty();
            }

            @Override
            public void end(int status, String error) {
            }
        };

        /** The traceparent to send instead of the stored one (this span's context), if any. */
        Optional<String> traceparent();

        /** Ends the span: {@code status} is the HTTP status (0 if none), {@code error} empty when delivered. */
        void end(int status, String error);
    }

    /** Tracing switched off. */
    final class Off implements Tracing {
        static final Off INSTANCE = new Off();

        private Off() {
        }

        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public long now() {
            return 0;
        }

        @Override
        public void pushed(Transport t, String queue, List<NewMessage> messages, long[] ids, long start,
                Throwable error) {
        }

        @Override
        public void popped(Transport t, String queue, String group, List<Delivery> ds, long start, Throwable error) {
        }

        @Override
        public void settled(Transport t, String op, String queue, String group, Receipts receipts,
                Optional<String> requestParent, long start, Throwable error) {
        }

        @Override
        public DeliverySpan delivering(String queue, String group, Delivery d) {
            return DeliverySpan.NONE;
        }

        @Override
        public void close() {
        }
    }
}
