package dev.spool.server.push;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.MessageQuery;
import dev.spool.api.NackRequest;
import dev.spool.api.Payload;
import dev.spool.api.PopRequest;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;
import dev.spool.api.TaskResult;

/**
 * Delivers one fleet on this server: pops endpoint tasks from the fleet's group while it has room
 * under the fleet's concurrency cap, POSTs the fleet's payload (streamed from storage) to each
 * task's URL with a {@link Poster}, and acks (storing status and latency as the task's result),
 * nacks or dead-letters the task by the answer.
 *
 * <p>Circuit breaking per endpoint: a failed attempt is nacked with the wait of the fleet's
 * {@link Backoff} for that endpoint's attempt count (or the endpoint's {@code Retry-After}), so the
 * task waits in the broker as a delayed message. Only requests in flight count against the fleet's
 * concurrency, so an endpoint that keeps failing never holds a slot while it waits and never holds
 * up the others. Everything runs on one Vert.x context.
 */
final class FleetWorker implements PushDelivery.Runner {
    private static final Logger LOG = LoggerFactory.getLogger(FleetWorker.class);
    private static final int MAX_POP = 100;
    private static final long WAIT_MS = 1_000;
    /** Lease beyond the request timeout, for resolving and signing before the request starts. */
    static final long LEASE_MARGIN_MS = 10_000;

    private final Context ctx;
    private final Broker broker;
    private final String stored;
    private final FleetSpec spec;
    private final PushTargets targets;
    private final PushMeters meters;
    private final HttpClient client;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private MessageBody payload;
    private int inFlight;
    private boolean popping;
    /** The pop in progress, cancelled by {@link #stop} so that it leases nothing more. */
    private CompletableFuture<List<Delivery>> pending;
    private boolean stopped;
    private long timer = -1;
    private volatile boolean finished;

    FleetWorker(Context ctx, Broker broker, String stored, FleetSpec spec, PushTargets targets, PushMeters meters,
            HttpClientOptions base) {
        this.ctx = ctx;
        this.broker = broker;
        this.stored = stored;
        this.spec = spec;
        this.targets = targets;
        this.meters = meters;
        this.client = ctx.owner().createHttpClient(new HttpClientOptions(base).setMaxPoolSize(spec.concurrency())
                .setConnectTimeout((int) spec.timeoutMs()));
    }

    @Override
    public String stored() {
        return stored;
    }

    /** A canceled fleet lets its attempts in flight finish (and be recorded). */
    @Override
    public long settleMs() {
        return spec.timeoutMs();
    }

    @Override
    public boolean finished() {
        return finished;
    }

    @Override
    public void start() {
        broker.getMessage(spec.payloadQueue(), spec.payloadId(), MessageQuery.NOW).whenComplete((v, e) ->
                ctx.runOnContext(x -> {
                    if (e != null || v.body().isEmpty()) {
                        LOG.atWarn().addKeyValue("fleet", spec.id()).log("fleet payload is gone; not delivering");
                        end();
                        return;
                    }
                    payload = v.body().get();
                    pump();
                }));
    }

    @Override
    public CompletionStage<Void> stop(long waitMs) {
        ctx.runOnContext(v -> {
            stopped = true;
            if (timer >= 0) {
                ctx.owner().cancelTimer(timer);
            }
            if (pending != null) {
                // a waiting pop is withdrawn; what it already leased comes back through popped() and
                // is given back before the broker closes (a lease left behind would stall this
                // endpoint for the whole visibility timeout after the restart)
                pending.cancel(false);
            }
            drainedIfIdle();
        });
        return drained.copy().completeOnTimeout(null, waitMs, TimeUnit.MILLISECONDS)
                .whenComplete((v, e) -> client.close());
    }

    private void drainedIfIdle() {
        if (stopped && inFlight == 0 && !popping) {
            drained.complete(null);
        }
    }

    private void end() {
        stopped = true;
        finished = true;
        drained.complete(null);
    }

    private void pump() {
        if (stopped || popping || payload == null) {
            return;
        }
        int n = Math.min(MAX_POP, spec.concurrency() - inFlight);
        if (n <= 0) {
            return;
        }
        popping = true;
        PopRequest pop = new PopRequest(Fleets.GROUP, n, spec.timeoutMs() + LEASE_MARGIN_MS, WAIT_MS);
        CompletableFuture<List<Delivery>> p = broker.pop(spec.taskQueue(), pop).toCompletableFuture();
        pending = p;
        p.whenComplete((ds, e) -> ctx.runOnContext(v -> popped(ds, e)));
    }

    private void popped(List<Delivery> ds, Throwable e) {
        popping = false;
        pending = null;
        if (stopped) {
            if (e == null && !ds.isEmpty()) {
                inFlight++;
                broker.nack(spec.taskQueue(), new NackRequest(Fleets.GROUP, Receipts.of(ds), OptionalLong.of(0),
                        Optional.empty())).whenComplete((o, x) -> ctx.runOnContext(v -> {
                            inFlight--;
                            drainedIfIdle();
                        }));
            }
            drainedIfIdle();
            return;
        }
        if (e != null) {
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof SpoolException se && (se.code() == ErrorCode.GROUP_NOT_FOUND
                    || se.code() == ErrorCode.QUEUE_NOT_FOUND)) {
                end();
                return;
            }
            LOG.atDebug().addKeyValue("fleet", spec.id()).setCause(c).log("fleet pop failed");
            later(1_000);
            return;
        }
        if (ds.isEmpty() && inFlight == 0) {
            // nothing ready: stop when nothing is left at all (every endpoint delivered or failed)
            broker.getGroup(spec.taskQueue(), Fleets.GROUP).whenComplete((g, ge) -> ctx.runOnContext(v -> {
                if (ge == null && !Fleets.hasWork(g.stats()) && inFlight == 0) {
                    end();
                } else {
                    pump();
                }
            }));
            return;
        }
        for (Delivery task : ds) {
            deliver(task);
        }
        pump();
    }

    /** One endpoint, one attempt: the unit a tracing span can wrap. */
    private void deliver(Delivery task) {
        inFlight++;
        meters.inFlight.incrementAndGet();
        String url = new String(task.body().payload().toBytes(), StandardCharsets.UTF_8);
        PushConfig target;
        try {
            target = new PushConfig(URI.create(url), spec.headers(), 1, spec.timeoutMs(), 0, StartPosition.EARLIEST,
                    spec.secrets());
        } catch (IllegalArgumentException ex) {
            settle(task, url, new Outcome.Dead(0, "not a URL"), 0);
            return;
        }
        Poster poster = new Poster(ctx, client, target, targets, spec.taskQueue());
        // the payload message stands for the delivery: its id is the webhook-id of every endpoint and attempt
        Delivery d = new Delivery(spec.payloadId(), task.attempts(), task.enqueuedAt(), task.leaseExpiresAt(),
                payload);
        long t0 = System.nanoTime();
        poster.post(d, Optional.empty()).onComplete(ar -> settle(task, url, ar.result(), System.nanoTime() - t0));
    }

    private void settle(Delivery task, String url, Outcome o, long nanos) {
        Receipts r = Receipts.of(List.of(task));
        String q = spec.taskQueue();
        CompletionStage<?> op = switch (o) {
            case Outcome.Delivered ok -> {
                meters.record(nanos);
                meters.delivered.increment();
                byte[] result = FleetViews.ackResult(ok.status(), nanos, url).toBuffer().getBytes();
                yield broker.ack(q, new AckRequest(Fleets.GROUP, r, Optional.of(new TaskResult(Payload.of(result),
                        "application/json"))));
            }
            case Outcome.Retry retry -> {
                if (retry.status() > 0) {
                    meters.record(nanos);
                }
                meters.retries.increment();
                // the wait is spent in the broker as a delayed task, not in a slot of this worker
                long delay = retry.delayMs().orElse(spec.backoff().delay(task.attempts()));
                yield broker.nack(q, new NackRequest(Fleets.GROUP, r, OptionalLong.of(delay),
                        Optional.of(cut(retry.reason()))));
            }
            case Outcome.Dead dead -> {
                meters.record(nanos);
                meters.failed.increment();
                yield broker.nack(q, new NackRequest(Fleets.GROUP, r, OptionalLong.empty(),
                        Optional.of(cut(dead.reason())), true));
            }
        };
        op.whenComplete((v, e) -> ctx.runOnContext(x -> {
            if (e != null) {
                LOG.atDebug().addKeyValue("fleet", spec.id()).setCause(e).log("fleet settle failed; the lease will expire");
            }
            inFlight--;
            meters.inFlight.decrementAndGet();
            drainedIfIdle();
            pump();
        }));
    }

    private static String cut(String r) {
        return r.length() <= 1_000 ? r : r.substring(0, 1_000);
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
}
