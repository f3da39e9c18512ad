package dev.spool.server;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import dev.spool.api.GroupInfo;
import dev.spool.api.Instrumentation;
import dev.spool.api.QueueInfo;
import dev.spool.api.QueueStats;
import dev.spool.server.edge.MetricLabels;

/**
 * The server's Prometheus metrics: request latency per route, message counters per queue, queue
 * depth gauges (refreshed from {@code listQueues} at each scrape, so they cost nothing between
 * scrapes), lock counters and gauges (per server, not per lock: see {@link LockMeters}) and
 * storage sync latency, which the backend reports through {@link Instrumentation}.
 */
final class Metrics implements Instrumentation {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, QueueMeters> queues = new ConcurrentHashMap<>();
    private final Map<RequestKey, Timer> requests = new ConcurrentHashMap<>();
    private final Map<GaugeKey, AtomicLong> depth = new ConcurrentHashMap<>();
    private final Timer sync;
    private final Counter syncBytes;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong queueCount = new AtomicLong();
    private final AtomicLong groupCount = new AtomicLong();
    private final AtomicLong omitted = new AtomicLong();
    /** Queues (counters) and queue groups (depth gauges) with their own series; the rest are summed. */
    private final int maxQueues;
    private final QueueMeters others;
    private final JvmMeters jvm;
    private final LockMeters locks;

    /**
     * Metrics whose per-queue series are bounded: message counters for the first {@code maxQueues}
     * queues seen (the others share the queue label {@value #OTHER_QUEUES}), depth gauges for the
     * first {@code maxQueues} queue groups in name order (the stats API has all of them).
     */
    Metrics(int maxQueues) {
        this.maxQueues = maxQueues;
        sync = Timer.builder("spool.storage.sync").description("Durable writes (journal fsync, database commit)")
                .serviceLevelObjectives(SYNC_BUCKETS).register(registry);
        syncBytes = Counter.builder("spool.storage.sync.bytes").description("Bytes made durable")
                .baseUnit("bytes").register(registry);
        Gauge.builder("spool.http.connections", connections, AtomicLong::get).description("Open connections")
                .register(registry);
        Gauge.builder("spool.queues", queueCount, AtomicLong::get).description("Queues, dead-letter queues included")
                .register(registry);
        Gauge.builder("spool.groups", groupCount, AtomicLong::get).description("Named groups on all queues")
                .register(registry);
        Gauge.builder("spool.metrics.groups.omitted", omitted, AtomicLong::get)
                .description("Queue groups without depth series here (over metrics-max-queues); see the stats API")
                .register(registry);
        others = new QueueMeters(OTHER_QUEUES, registry);
        jvm = new JvmMeters(registry);
        locks = new LockMeters(registry);
    }

    /** Stops the JVM meters' listeners (the registry itself holds no resources). */
    void close() {
        jvm.close();
    }

    /**
     * Request latency buckets: 14 fixed bounds (plus {@code +Inf}) from 1 ms to the longest long
     * poll, instead of Micrometer's ~70 percentile-histogram buckets, so that a scrape stays small
     * (ObservabilityTest: 100 used queues stay under 100 KB); each series is route x method x
     * status, never per queue.
     */
    private static final Duration[] REQUEST_BUCKETS = millis(1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500,
            10_000, 30_000, 120_000);
    /** Durable write buckets: fsync and commit times from 100 us to 5 s. */
    private static final Duration[] SYNC_BUCKETS = {Duration.ofNanos(100_000), Duration.ofNanos(250_000),
        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(5)};

    private static Duration[] millis(long... ms) {
        Duration[] d = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            d[i] = Duration.ofMillis(ms[i]);
        }
        return d;
    }

    /** The queue label of the counters of queues past the bound. */
    static final String OTHER_QUEUES = "~other";

    @Override
    public void onSync(long nanos, long bytes, int requests) {
        sync.record(nanos, TimeUnit.NANOSECONDS);
        syncBytes.increment(bytes);
    }

    @Override
    public void onLockExpired() {
        locks.expired.increment();
    }

    AtomicLong connections() {
        return connections;
    }

    /** Records one finished HTTP request. */
    void request(String route, String method, int status, long nanos) {
        RequestKey key = new RequestKey(route, method, status);
        Timer t = requests.get(key);
        if (t == null) {
            t = requests.computeIfAbsent(key, k -> Timer.builder("spool.http.requests")
                    .description("HTTP requests by route").tags("route", k.route, "method", k.method,
                            "status", MetricLabels.status(k.status))
                    .serviceLevelObjectives(REQUEST_BUCKETS).register(registry));
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The counters of one queue. */
    QueueMeters queue(String name) {
        QueueMeters m = queues.get(name);
        if (m != null) {
            return m;
        }
        synchronized (this) {
            if (queues.size() >= maxQueues && !queues.containsKey(name)) {
                return others;
            }
            return queues.computeIfAbsent(name, n -> new QueueMeters(n, registry));
        }
    }

    /** The lock counters and gauges (per server, no lock label: bounded whatever the lock count). */
    LockMeters locks() {
        return locks;
    }

    /** Drops the counters and gauges of a deleted queue. */
    synchronized void forget(String name) {
        QueueMeters m = queues.remove(name);
        if (m != null) {
            m.remove(registry);
        }
        depth.keySet().removeIf(k -> {
            if (k.queue.equals(name)) {
                registry.remove(k.id);
                return true;
            }
            return false;
        });
    }

    /** Updates the depth gauges from a fresh queue list, then renders everything. */
    synchronized String scrape(List<QueueInfo> infos) {
        Set<GaugeKey> seen = new HashSet<>();
        int shown = 0;
        long groups = 0;
        long hidden = 0;
        for (QueueInfo q : infos) {
            groups += q.groups().size();
            if (shown++ < maxQueues) {
                updateGroup(q.name(), "default", q.stats(), seen);
            } else {
                hidden++;
            }
            for (GroupInfo g : q.groups()) {
                if (shown++ < maxQueues) {
                    updateGroup(q.name(), g.name(), g.stats(), seen);
                } else {
                    hidden++;
                }
            }
        }
        queueCount.set(infos.size());
        groupCount.set(groups);
        omitted.set(hidden);
        depth.keySet().removeIf(k -> {
            if (!seen.contains(k)) {
                registry.remove(k.id);
                return true;
            }
            return false;
        });
        return registry.scrape();
    }

    private void updateGroup(String queue, String group, QueueStats s, Set<GaugeKey> seen) {
        gauge(queue, group, "ready", s.ready(), seen);
        gauge(queue, group, "delayed", s.delayed(), seen);
        gauge(queue, group, "in_flight", s.inFlight(), seen);
        gauge(queue, group, "dead", s.dead(), seen);
        gauge(queue, group, "oldest_ready_age_ms", s.oldestReadyAgeMs(), seen);
    }

    private void gauge(String queue, String group, String what, long value, Set<GaugeKey> seen) {
        GaugeKey probe = new GaugeKey(queue, group, what, null);
        AtomicLong cell = depth.get(probe);
        if (cell == null) {
            AtomicLong fresh = new AtomicLong();
            Gauge g = Gauge.builder("spool.queue." + what, fresh, AtomicLong::get)
                    .description("Messages of a queue group by state")
                    .tags(Tags.of("queue", queue, "group", group)).register(registry);
            GaugeKey key = new GaugeKey(queue, group, what, g.getId());
            depth.put(key, fresh);
            cell = fresh;
            seen.add(key);
        } else {
            seen.add(probe);
        }
        cell.set(value);
    }

    private record RequestKey(String route, String method, int status) {
    }

    /** Identity is queue, group and figure; the meter id rides along for removal. */
    private record GaugeKey(String queue, String group, String what, Meter.Id id) {
        @Override
        public boolean equals(Object o) {
            return o instanceof GaugeKey k && k.queue.equals(queue) && k.group.equals(group) && k.what.equals(what);
        }

        @Override
        public int hashCode() {
            return (queue.hashCode() * 31 + group.hashCode()) * 31 + what.hashCode();
        }
    }

    /** Message counters of one queue. */
    static final class QueueMeters {
        final Counter pushed;
        final Counter popped;
        final Counter acked;
        final Counter nacked;

        QueueMeters(String queue, PrometheusMeterRegistry registry) {
            pushed = counter(registry, "spool.messages.pushed", queue);
            popped = counter(registry, "spool.messages.popped", queue);
            acked = counter(registry, "spool.messages.acked", queue);
            nacked = counter(registry, "spool.messages.nacked", queue);
        }

        private static Counter counter(PrometheusMeterRegistry registry, String name, String queue) {
            return Counter.builder(name).tag("queue", queue).register(registry);
        }

        void remove(PrometheusMeterRegistry registry) {
            registry.remove(pushed);
            registry.remove(popped);
            registry.remove(acked);
            registry.remove(nacked);
        }
    }

    /**
     * Lock figures of this server, without a lock label so their number is bounded whatever the
     * number of locks: counters of what went through this server (grants, releases, refusals as
     * held or stale, state writes, expiries reported by the backend) and gauges of the whole backend (locks, held locks, waiters),
     * counted from the lock list at each scrape ({@link LockCensus}).
     */
    static final class LockMeters {
        final Counter acquired;
        final Counter released;
        final Counter held;
        final Counter stale;
        final Counter stateWrites;
        final Counter expired;
        final AtomicLong count = new AtomicLong();
        final AtomicLong holders = new AtomicLong();
        final AtomicLong waiters = new AtomicLong();

        LockMeters(PrometheusMeterRegistry registry) {
            acquired = Counter.builder("spool.locks.acquired").description("Locks granted through this server")
                    .register(registry);
            released = Counter.builder("spool.locks.released").description("Locks released through this server")
                    .register(registry);
            held = Counter.builder("spool.locks.refused").tag("reason", "held")
                    .description("Acquires refused because the lock stayed held").register(registry);
            stale = Counter.builder("spool.locks.refused").tag("reason", "stale")
                    .description("Lock operations refused for a stale lease or token").register(registry);
            stateWrites = Counter.builder("spool.locks.state.writes").description("Lock state documents written")
                    .register(registry);
            expired = Counter.builder("spool.locks.expired")
                    .description("Leases that ended without a release (embedded backend)").register(registry);
            Gauge.builder("spool.locks", count, AtomicLong::get).description("Locks known to the backend")
                    .register(registry);
            Gauge.builder("spool.locks.holders", holders, AtomicLong::get).description("Locks held now")
                    .register(registry);
            Gauge.builder("spool.locks.waiters", waiters, AtomicLong::get)
                    .description("Acquires waiting in line, all locks together").register(registry);
        }
    }
}
