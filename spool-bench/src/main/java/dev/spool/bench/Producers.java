package dev.spool.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.spool.bench.Driver.Pusher;
import dev.spool.bench.Stats.Op;

/**
 * Drives the producers. Closed loop (no {@code --rate}): each producer keeps
 * {@link LoadSpec#requestsInFlight()} batches in flight (one unless a {@code --window} of unconfirmed
 * messages larger than a batch is set) and pauses while the backlog (acknowledged, not yet consumed) is over {@code --max-backlog}. Open loop
 * ({@code --rate R}): a 1 ms ticker issues batches so that R messages per second go out whatever the
 * replies do, spread over the producers, with at most {@value #MAX_IN_FLIGHT} requests in flight.
 */
final class Producers {
    static final int MAX_IN_FLIGHT = 10_000;

    private final Run run;
    private final List<Pusher> pushers;
    private final long[] nextSeq;
    private final List<CompletableFuture<Void>> done = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<Void> openLoopDone = new CompletableFuture<>();
    private ScheduledFuture<?> ticker;
    private long issued;
    private long openStart;

    Producers(Run run, List<Pusher> pushers) {
        this.run = run;
        this.pushers = pushers;
        this.nextSeq = new long[pushers.size()];
    }

    void start() {
        if (run.spec.rate() > 0) {
            openStart = System.nanoTime();
            ticker = run.scheduler.scheduleAtFixedRate(this::tick, 0, 1, TimeUnit.MILLISECONDS);
            done.add(openLoopDone);
            return;
        }
        for (int i = 0; i < pushers.size(); i++) {
            for (int k = 0; k < run.spec.requestsInFlight(); k++) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                done.add(f);
                next(i, f);
            }
        }
    }

    /** Stops issuing; completes when every push in flight has its reply. */
    CompletableFuture<Void> stop() {
        run.producersStopping = true;
        return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
    }

    private Batch take(int producer) {
        Batch b = new Batch(producer, nextSeq[producer], run.spec.batch());
        nextSeq[producer] += b.size();
        return b;
    }

    private void next(int producer, CompletableFuture<Void> finished) {
        if (run.producersStopping) {
            finished.complete(null);
            return;
        }
        if (run.backlog() > run.options.maxBacklog) {
            run.scheduler.schedule(() -> next(producer, finished), 1, TimeUnit.MILLISECONDS);
            return;
        }
        Batch b;
        synchronized (this) {
            b = take(producer);
        }
        long t0 = System.nanoTime();
        int sent = run.stats.stamp();
        pushers.get(producer).push(b).whenComplete((v, e) -> {
            if (e != null) {
                run.stats.error("push", e);
                run.scheduler.schedule(() -> next(producer, finished), 10, TimeUnit.MILLISECONDS);
                return;
            }
            run.stats.record(Op.PUSH, t0);
            run.acked(b, sent);
            next(producer, finished);
        });
    }

    private void tick() {
        if (run.producersStopping) {
            ticker.cancel(false);
            if (inFlight.get() == 0) {
                openLoopDone.complete(null);
            }
            return;
        }
        double elapsed = (System.nanoTime() - openStart) / 1e9;
        long due = (long) (run.spec.rate() * elapsed / run.spec.batch()) + 1 - issued;
        for (long k = 0; k < due && inFlight.get() < MAX_IN_FLIGHT; k++) {
            int producer = (int) (issued % pushers.size());
            Batch b;
            synchronized (this) {
                b = take(producer);
            }
            issued++;
            inFlight.incrementAndGet();
            long t0 = System.nanoTime();
            int sent = run.stats.stamp();
            pushers.get(producer).push(b).whenComplete((v, e) -> {
                if (e != null) {
                    run.stats.error("push", e);
                } else {
                    run.stats.record(Op.PUSH, t0);
                    run.acked(b, sent);
                }
                if (inFlight.decrementAndGet() == 0 && run.producersStopping) {
                    openLoopDone.complete(null);
                }
            });
        }
    }
}
