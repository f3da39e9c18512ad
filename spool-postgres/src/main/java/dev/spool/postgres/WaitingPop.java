package dev.spool.postgres;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * A pop waiting for its first message. Each wake runs one pop attempt (never two at once); an
 * empty attempt also says when the group's next delay or lease ends, and the waiter sets its timer
 * for that, its deadline, or the safety re-check, whichever comes first.
 */
final class WaitingPop implements Waiters.Waiter {
    /** Slow re-check in case a notification was lost. */
    static final long SAFETY_MS = 1500;

    /**
     * One pop attempt.
     *
     * @param messages what it leased
     * @param nextDueInMs when the next delay or lease of the group ends, -1 when none
     */
    record Attempt(List<Delivery> messages, long nextDueInMs) {
    }

    private final Waiters waiters;
    private final String queue;
    private final Supplier<CompletableFuture<Attempt>> attempt;
    private final long deadlineNanos;
    private final CompletableFuture<List<Delivery>> result = new CompletableFuture<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile ScheduledFuture<?> timer;
    private volatile boolean attempted;

    WaitingPop(Waiters waiters, String queue, long waitMs, Supplier<CompletableFuture<Attempt>> attempt) {
        this.waiters = waiters;
        this.queue = queue;
        this.attempt = attempt;
        this.deadlineNanos = System.nanoTime() + waitMs * 1_000_000L;
    }

    CompletableFuture<List<Delivery>> start() {
        if (!waiters.add(false, queue, this)) {
            result.completeExceptionally(SpoolException.tooMany("too many waiting requests", 100));
            return result;
        }
        wake();
        return result;
    }

    @Override
    public void wake() {
        if (result.isDone()) {
            return;
        }
        again.set(true);
        if (running.compareAndSet(false, true)) {
            again.set(false);
            run();
        }
    }

    private void run() {
        attempt.get().whenComplete((a, err) -> {
            if (err != null) {
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                // a queue missing at the first attempt is the caller's error; later, it was deleted meanwhile
                if (attempted && cause instanceof SpoolException s && s.code() == ErrorCode.QUEUE_NOT_FOUND) {
                    finish(List.of());
                } else {
                    fail(cause);
                }
                return;
            }
            attempted = true;
            if (!a.messages().isEmpty()) {
                finish(a.messages());
                return;
            }
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                finish(List.of());
                return;
            }
            long next = Math.min(left, SAFETY_MS);
            if (a.nextDueInMs() >= 0) {
                next = Math.min(next, a.nextDueInMs() + 1);
            }
            ScheduledFuture<?> old = timer;
            if (old != null) {
                old.cancel(false);
            }
            timer = waiters.schedule(this::wake, next);
            running.set(false);
            if (again.getAndSet(false)) {
                wake();
            }
        });
    }

    private void finish(List<Delivery> messages) {
        done();
        result.complete(messages);
    }

    private void fail(Throwable t) {
        done();
        result.completeExceptionally(t);
    }

    private void done() {
        waiters.remove(false, queue, this);
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }

    @Override
    public void cancel() {
        finish(List.of());
    }

    @Override
    public void queueDeleted() {
        finish(List.of());
    }
}
