package dev.spool.server.push;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.Broker;
import dev.spool.api.GroupInfo;
import dev.spool.api.QueueInfo;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;
import dev.spool.server.trace.Tracing;

/**
 * Push delivery on one server: finds the push groups the broker stores (at start, every
 * {@code push-scan-ms}, and at once after a change through this server) and runs one
 * {@link PushWorker} per group, replacing it when the group's configuration changes and stopping it
 * when the group goes. Every server of a cluster does the same; leases keep each message with one
 * of them at a time.
 *
 * <p>Thread-safe: scans apply their result under this object's lock.
 */
public final class PushDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(PushDelivery.class);

    private final Vertx vertx;
    private final Broker broker;
    private final PushSettings settings;
    private final PushTargets targets;
    private final MeterRegistry registry;
    private final Tracing tracing;
    private final Map<String, Runner> workers = new HashMap<>();
    private final Fleets fleets;
    private final Map<String, PushMeters> meters = new HashMap<>();
    private final Map<String, String> refused = new HashMap<>();
    private long periodic = -1;
    private boolean closed;

    /**
     * Push delivery over {@code broker}, metrics in {@code registry}. Nothing runs before {@link #start()}.
     *
     * @throws SpoolException {@code invalid_argument} if the allow list does not parse
     */
    public PushDelivery(Vertx vertx, Broker broker, PushSettings settings, MeterRegistry registry) {
        this(vertx, broker, settings, registry, Tracing.off());
    }

    /** Push delivery that records a span per delivery request in {@code tracing}. */
    public PushDelivery(Vertx vertx, Broker broker, PushSettings settings, MeterRegistry registry, Tracing tracing) {
        this.tracing = tracing;
        this.vertx = vertx;
        this.broker = broker;
        this.settings = settings;
        this.targets = PushTargets.of(settings.allow(), settings.allowPublic());
        this.registry = registry;
        this.fleets = new Fleets(broker, this::refresh);
    }

    /** What delivers one push group or one fleet on this server. */
    interface Runner {
        /** Starts delivering. */
        void start();

        /** Stops popping; completes when the requests in flight are settled or after {@code waitMs}. */
        CompletionStage<Void> stop(long waitMs);

        /** The stored text it was started from (a change replaces the runner). */
        String stored();

        /** It stopped by itself (its group is gone, or a fleet has nothing left). */
        boolean finished();

        /** How long requests in flight may take to settle when it is replaced or stopped by a scan. */
        default long settleMs() {
            return 0;
        }
    }

    /** Fleet pushes through this server. */
    public Fleets fleets() {
        return fleets;
    }

    /** Starts the periodic scan (when enabled) and runs a first one. */
    public synchronized void start() {
        if (!settings.enabled() || closed) {
            return;
        }
        periodic = vertx.setPeriodic(settings.scanMs(), id -> refresh());
        refresh();
    }

    /** Scans now; completes when the workers match what the broker stores. */
    public CompletionStage<Void> refresh() {
        if (!settings.enabled()) {
            return CompletableFuture.completedFuture(null);
        }
        return broker.listQueues().thenAccept(this::apply).exceptionally(e -> {
            LOG.atDebug().setCause(e).log("push scan failed; the next one retries");
            return null;
        });
    }

    /**
     * Checks that a configuration's target is allowed, resolving its host off the event loop.
     *
     * @return fails with {@code invalid_argument} naming {@code url} if it is not
     */
    public CompletionStage<Void> checkTarget(PushConfig config) {
        String host = config.url().getHost();
        return vertx.<Void>executeBlocking(() -> {
            String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            InetAddress[] all;
            try {
                all = InetAddress.getAllByName(bare);
            } catch (UnknownHostException e) {
                throw SpoolException.invalid("url", "cannot resolve the host of url: " + host);
            }
            targets.check(host, all, "url");
            return null;
        }, false).toCompletionStage();
    }

    /** This server's delivery figures of a push group, if it runs one. */
    public synchronized Optional<JsonObject> status(String queue, String group) {
        return workers.get(key(queue, group)) instanceof PushWorker w ? Optional.of(w.status()) : Optional.empty();
    }

    private synchronized void apply(List<QueueInfo> queues) {
        if (closed) {
            return;
        }
        Map<String, GroupInfo> wanted = new HashMap<>();
        Map<String, String> queueOf = new HashMap<>();
        java.util.Set<String> present = new java.util.HashSet<>();
        for (QueueInfo q : queues) {
            List<GroupInfo> groups = new ArrayList<>(q.groups().size() + 1);
            if (q.push().isPresent()) {
                groups.add(new GroupInfo(Broker.DEFAULT_GROUP, StartPosition.EARLIEST, q.createdAt(), q.stats(),
                        q.push()));
            }
            groups.addAll(q.groups());
            for (GroupInfo g : groups) {
                if (g.push().isPresent()) {
                    present.add(key(q.name(), g.name()));
                }
                if (g.push().isPresent() && fleetWanted(q.name(), g)) {
                    wanted.put(key(q.name(), g.name()), g);
                    queueOf.put(key(q.name(), g.name()), q.name());
                }
            }
        }
        for (String k : new ArrayList<>(workers.keySet())) {
            GroupInfo g = wanted.get(k);
            Runner w = workers.get(k);
            if (g == null || !g.push().get().equals(w.stored()) || w.finished()) {
                workers.remove(k);
                w.stop(w.settleMs());
            }
        }
        // a done or canceled fleet keeps its series while it exists
        for (String k : new ArrayList<>(meters.keySet())) {
            if (!present.contains(k)) {
                meters.remove(k).remove();
            }
        }
        for (Map.Entry<String, GroupInfo> e : wanted.entrySet()) {
            if (!workers.containsKey(e.getKey())) {
                launch(queueOf.get(e.getKey()), e.getValue());
            }
        }
    }

    /** A fleet's group is delivered while it is not canceled and has endpoints left; other push groups always. */
    private static boolean fleetWanted(String queue, GroupInfo g) {
        if (!Fleets.isFleetQueue(queue)) {
            return true;
        }
        if (!g.name().equals(Fleets.GROUP) || !Fleets.hasWork(g.stats())) {
            return false;
        }
        try {
            return !FleetSpec.parse(g.push().get()).canceled();
        } catch (SpoolException e) {
            return false;
        }
    }

    private void launch(String queue, GroupInfo g) {
        String k = key(queue, g.name());
        String stored = g.push().get();
        if (Fleets.isFleetQueue(queue)) {
            FleetSpec spec = FleetSpec.parse(stored);
            PushMeters m = meters.computeIfAbsent(k, x -> new PushMeters(registry, queue, g.name()));
            Runner w = new FleetWorker(newContext(), broker, stored, spec, targets, m,
                    settings.clientOptions());
            workers.put(k, w);
            w.start();
            return;
        }
        PushConfig config;
        try {
            config = PushConfig.parse(stored);
        } catch (SpoolException e) {
            if (!stored.equals(refused.put(k, stored))) {
                LOG.atWarn().addKeyValue("queue", queue).addKeyValue("group", g.name()).addKeyValue("field", e.field().orElse(""))
                        .log("push group has a configuration this server cannot read; not delivering");
            }
            return;
        }
        refused.remove(k);
        PushMeters m = meters.computeIfAbsent(k, x -> new PushMeters(registry, queue, g.name()));
        PushWorker w = new PushWorker(newContext(), broker, queue, g.name(), stored, config, targets, m,
                settings.clientOptions());
        w.tracing = tracing;
        workers.put(k, w);
        w.start();
    }

    /**
     * A context on the next event loop, so that workers spread over the event loops (a scan runs
     * on one event loop, where {@code getOrCreateContext} would put every worker).
     */
    private io.vertx.core.Context newContext() {
        return ((io.vertx.core.impl.VertxInternal) vertx).createEventLoopContext();
    }

    private static String key(String queue, String group) {
        return queue + "\u0000" + group;
    }

    /**
     * Stops every worker: no more pops; requests in flight get up to {@code waitMs} to settle (the
     * rest keep their leases, which expire, and the messages come back).
     */
    public CompletionStage<Void> close(long waitMs) {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        synchronized (this) {
            closed = true;
            if (periodic >= 0) {
                vertx.cancelTimer(periodic);
            }
            for (Runner w : workers.values()) {
                stops.add(w.stop(waitMs).toCompletableFuture());
            }
            workers.clear();
        }
        return CompletableFuture.allOf(stops.toArray(new CompletableFuture[0]));
    }
}
