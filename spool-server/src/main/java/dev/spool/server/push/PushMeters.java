package dev.spool.server.push;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The Prometheus series of one push group on this server ({@code spool_push_*}, labels
 * {@code queue} and {@code group}), also read back for the delivery figures of the push GET.
 */
final class PushMeters {
    private final MeterRegistry registry;
    final Counter delivered;
    final Counter failed;
    final Counter retries;
    final Timer latency;
    final AtomicInteger inFlight = new AtomicInteger();
    private final Gauge inFlightGauge;

    PushMeters(MeterRegistry registry, String queue, String group) {
        this.registry = registry;
        Tags tags = Tags.of("queue", queue, "group", group);
        delivered = Counter.builder("spool.push.delivered").description("Push deliveries acknowledged by 2xx")
                .tags(tags).register(registry);
        failed = Counter.builder("spool.push.failed").description("Push deliveries dead-lettered by the endpoint's answer")
                .tags(tags).register(registry);
        retries = Counter.builder("spool.push.retries").description("Push attempts that failed and will be retried")
                .tags(tags).register(registry);
        latency = Timer.builder("spool.push.latency").description("Push request time, connect to last response byte")
                .tags(tags).publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(600)).register(registry);
        inFlightGauge = Gauge.builder("spool.push.in_flight", inFlight, AtomicInteger::get)
                .description("Push requests in flight").tags(tags).register(registry);
    }

    void record(long nanos) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    void remove() {
        registry.remove(delivered);
        registry.remove(failed);
        registry.remove(retries);
        registry.remove(latency);
        registry.remove(inFlightGauge);
    }
}
