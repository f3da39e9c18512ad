package dev.spool.server.push;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.vertx.core.Context;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.NackRequest;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.server.trace.Tracing;

/**
 * The consumer of one push group on this server: pops with leases while it has room under the
 * group's concurrency cap and rate limit, posts each delivery, and acks, nacks or dead-letters it
 * by the answer. Everything runs on one Vert.x context, so its state needs no locks; the figures
 * that {@link #status()} reads from other threads are volatile.
 *
 * <p>Ordering per key comes from the broker: it never leases a message of a key while an earlier
 * one of that key is in flight, so a key's messages reach the endpoint one after another. The
 * circuit breaker pauses the group after {@value #TRIP_AFTER} consecutive failed attempts, for the
 * wait of {@link #BREAKER} (1 s doubling with each further failure up to 60 s, equal jitter); one
 * success closes it.
 */
final class PushWorker implements PushDelivery.Runner {
    private static final Logger LOG = LoggerFactory.getLogger(PushWorker.class);
    static final int TRIP_AFTER = 5;
    /** The breaker's pause after its n-th consecutive failure beyond {@link #TRIP_AFTER} - 1. */
    static final Backoff BREAKER = new Backoff(1_000, 60_000);
    private static final int MAX_POP = 100;
    private static final long WAIT_MS = 1_000;
    /** Lease beyond the request timeout: signing and resolving happen before the request starts. */
    private static final long LEASE_MARGIN_MS = 30_000;

    final String queue;
    final String group;
    final String stored;
    private final PushConfig config;
    private final Broker broker;
    private final Context ctx;
    private final HttpClient client;
    private final Poster poster;
    /** Kept-alive connections of small plain-HTTP deliveries. */
    private final Connections connections;
    private final PushMeters meters;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    private int inFlight;
    /** Delivered messages whose ack is not sent yet (sent at the end of the event loop's turn). */
    private final List<Delivery> acks = new ArrayList<>();
    private boolean popping;
    /** The pop in progress (set off the context when a probe comes first), withdrawn by {@link #stop}. */
    private volatile CompletableFuture<List<Delivery>> pending;
    private volatile boolean withdrawn;
    /** The last pop came back empty: check the group still exists before the next one (see pump). */
    private boolean probe;
    private boolean stopped;
    private long timer = -1;
    private double tokens;
    private long refilledAt = System.nanoTime();
    private volatile long pausedUntil;
    private volatile int consecutiveFailures;
    private volatile int lastStatus;
    private volatile String lastError = "";
    /** Spans of delivery requests; set once before {@link #start()}. */
    Tracing tracing = Tracing.off();
    /** The group or its queue is gone: this worker stopped by itself. */
    volatile boolean finished;

    PushWorker(Context ctx, Broker broker, String queue, String group, String stored, PushConfig config,
            PushTargets targets, PushMeters meters, HttpClientOptions base) {
        this.ctx = ctx;
        this.broker = broker;
        this.queue = queue;
        this.group = group;
        this.stored = stored;
        this.config = config;
        this.meters = meters;
        this.client = ctx.owner().createHttpClient(new HttpClientOptions(base).setMaxPoolSize(config.concurrency())
                .setConnectTimeout((int) config.timeoutMs()));
        this.connections = new Connections(ctx, (int) config.timeoutMs(), config.concurrency());
        this.poster = new Poster(ctx, client, config, targets, queue, connections);
        this.tokens = Math.min(1, config.rateLimit());
    }

    @Override
    public String stored() {
        return stored;
    }

    @Override
    public boolean finished() {
        return finished;
    }

    @Override
    public void start() {
        ctx.runOnContext(v -> pump());
    }

    @Override
    public CompletionStage<Void> stop(long waitMs) {
        ctx.runOnContext(v -> {
            stopped = true;
            if (timer >= 0) {
                ctx.owner().cancelTimer(timer);
            }
            // a waiting pop is withdrawn; what it already leased comes back through popped() and is
            // given back before the broker closes, not left leased for timeout_ms + 30 s
            withdrawn = true;
            CompletableFuture<List<Delivery>> p = pending;
            if (p != null) {
                p.cancel(false);
            }
            drainedIfIdle();
        });
        return drained.copy().completeOnTimeout(null, waitMs, java.util.concurrent.TimeUnit.MILLISECONDS)
                .whenComplete((v, e) -> {
                    client.close();
                    connections.close();
                });
    }

    private void pump() {
        if (stopped || popping) {
            return;
        }
        long now = System.currentTimeMillis();
        if (now < pausedUntil) {
            later(pausedUntil - now);
            return;
        }
        int n = Math.min(MAX_POP, config.concurrency() - inFlight);
        // pop in batches: with requests in flight, wait until half the slots are free, so that one
        // pop (one broker call) leases many messages instead of one per finished request
        if (n <= 0 || inFlight > 0 && n < Math.min(MAX_POP, (config.concurrency() + 1) / 2)) {
            return;
        }
        if (config.rateLimit() > 0) {
            refill();
            n = Math.min(n, (int) tokens);
            if (n <= 0) {
                later(Math.max(1, (long) Math.ceil((1 - tokens) * 1000 / config.rateLimit())));
                return;
            }
        }
        popping = true;
        PopRequest pop = new PopRequest(group, n, config.timeoutMs() + LEASE_MARGIN_MS, WAIT_MS);
        // a pop auto-creates a missing queue (when the server's auto-create is on): after an empty
        // pop, which is what a deleted queue wakes its waiters with, make sure the group still exists
        // so that delivery does not bring a deleted queue back
        CompletionStage<List<Delivery>> popped = probe
                ? broker.getGroup(queue, group).thenCompose(g -> popNow(pop)) : popNow(pop);
        popped.whenComplete((ds, e) -> ctx.runOnContext(v -> popped(ds, e)));
    }

    private CompletableFuture<List<Delivery>> popNow(PopRequest pop) {
        CompletableFuture<List<Delivery>> p = broker.pop(queue, pop).toCompletableFuture();
        pending = p;
        if (withdrawn) {
            p.cancel(false);
        }
        return p;
    }

    private void drainedIfIdle() {
        if (stopped && inFlight == 0 && !popping) {
            drained.complete(null);
        }
    }

    private void popped(List<Delivery> ds, Throwable e) {
        popping = false;
        pending = null;
        if (stopped) {
            if (e == null && !ds.isEmpty()) {
                inFlight += ds.size();
                meters.inFlight.addAndGet(ds.size());
                settled(broker.nack(queue, new NackRequest(group, Receipts.of(ds), OptionalLong.of(0),
                        Optional.empty())), ds.size());
            }
            drainedIfIdle();
            return;
        }
        if (e != null) {
            Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof SpoolException se && (se.code() == ErrorCode.GROUP_NOT_FOUND
                    || se.code() == ErrorCode.QUEUE_NOT_FOUND)) {
                stopped = true;
                finished = true;
                drained.complete(null);
                return;
            }
            LOG.atDebug().addKeyValue("queue", queue).addKeyValue("group", group).setCause(c).log("push pop failed");
            later(1_000);
            return;
        }
        probe = ds.isEmpty();
        for (Delivery d : ds) {
            tokens -= 1;
            deliver(d);
        }
        pump();
    }

    /** One message, one attempt, in its own span. */
    private void deliver(Delivery d) {
        inFlight++;
        meters.inFlight.incrementAndGet();
        long t0 = System.nanoTime();
        Tracing.DeliverySpan span = tracing.delivering(queue, group, d);
        poster.post(d, span.traceparent()).onComplete(ar -> {
            end(span, ar.result());
            settle(d, ar.result(), System.nanoTime() - t0);
        });
    }

    private static void end(Tracing.DeliverySpan span, Outcome o) {
        switch (o) {
            case Outcome.Delivered ok -> span.end(ok.status(), "");
            case Outcome.Retry retry -> span.end(retry.status(), retry.reason());
            case Outcome.Dead dead -> span.end(dead.status(), dead.reason());
        }
    }

    private void settle(Delivery d, Outcome o, long nanos) {
        CompletionStage<?> op;
        switch (o) {
            case Outcome.Delivered ok -> {
                meters.record(nanos);
                meters.delivered.increment();
                consecutiveFailures = 0;
                lastStatus = ok.status();
                // acks settled in the same turn of the event loop go to the broker as one call
                acks.add(d);
                if (acks.size() == 1) {
                    ctx.runOnContext(v -> flushAcks());
                }
                return;
            }
            case Outcome.Retry retry -> {
                if (retry.status() > 0) {
                    meters.record(nanos);
                }
                meters.retries.increment();
                failed(retry.status(), retry.reason());
                op = broker.nack(queue, new NackRequest(group, Receipts.of(List.of(d)), retry.delayMs(),
                        Optional.of(reason(retry.reason()))));
            }
            case Outcome.Dead dead -> {
                meters.record(nanos);
                meters.failed.increment();
                consecutiveFailures = 0;
                lastStatus = dead.status();
                lastError = dead.reason();
                op = broker.nack(queue, new NackRequest(group, Receipts.of(List.of(d)), OptionalLong.empty(),
                        Optional.of(reason(dead.reason())), true));
            }
        }
        settled(op, 1);
    }

    private void flushAcks() {
        List<Delivery> batch = new ArrayList<>(acks);
        acks.clear();
        settled(broker.ack(queue, new AckRequest(group, Receipts.of(batch), Optional.empty())), batch.size());
    }

    private void settled(CompletionStage<?> op, int n) {
        op.whenComplete((v, e) -> ctx.runOnContext(x -> {
            if (e != null) {
                LOG.atDebug().addKeyValue("queue", queue).addKeyValue("group", group).setCause(e)
                        .log("push settle failed; the lease will expire");
            }
            inFlight -= n;
            meters.inFlight.addAndGet(-n);
            drainedIfIdle();
            pump();
        }));
    }

    private void failed(int status, String reason) {
        lastStatus = status;
        lastError = reason;
        int n = ++consecutiveFailures;
        if (n >= TRIP_AFTER) {
            long pause = BREAKER.delay(n - TRIP_AFTER + 1);
            pausedUntil = System.currentTimeMillis() + pause;
        }
    }

    private static String reason(String r) {
        return r.length() <= 1_000 ? r : r.substring(0, 1_000);
    }

    private void refill() {
        long now = System.nanoTime();
        double cap = Math.max(1, config.rateLimit());
        tokens = Math.min(cap, tokens + (now - refilledAt) / 1e9 * config.rateLimit());
        refilledAt = now;
    }

    private void later(long ms) {
        if (timer >= 0) {
            return;
        }
        timer = ctx.owner().setTimer(Math.max(1, ms), t -> ctx.runOnContext(v -> {
            timer = -1;
            pump();
        }));
    }

    /** Delivery figures of this server for the push GET. */
    JsonObject status() {
        long paused = pausedUntil - System.currentTimeMillis();
        return new JsonObject().put("in_flight", meters.inFlight.get())
                .put("delivered", (long) meters.delivered.count()).put("failed", (long) meters.failed.count())
                .put("retries", (long) meters.retries.count())
                .put("circuit", paused > 0 ? "open" : "closed").put("paused_ms", Math.max(0, paused))
                .put("consecutive_failures", consecutiveFailures).put("last_status", lastStatus)
                .put("last_error", lastError);
    }
}
