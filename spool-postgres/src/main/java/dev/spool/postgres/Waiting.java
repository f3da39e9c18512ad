package dev.spool.postgres;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import dev.spool.api.SpoolException;

/**
 * A request waiting on the database: each wake runs one attempt (never two at once; a wake during
 * an attempt runs another right after it), and between attempts a timer is set for the next moment
 * something can change, the deadline, or the safety re-check, whichever comes first. Subclasses
 * say what an attempt's answer means.
 *
 * @param <A> what one attempt returns
 * @param <R> what the waiting request completes with
 */
abstract class Waiting<A, R> implements Waiters.Waiter {
    /** Slow re-check in case a notification was lost. */
    static final long SAFETY_MS = 1500;

    /** The value of {@link #attempted} when the request is complete and no timer is wanted. */
    static final long FINISHED = -1;

    private final Waiters waiters;
    private final boolean task;
    private final String queue;
    private final Supplier<CompletableFuture<A>> attempt;
    private final long deadlineNanos;
    private final CompletableFuture<R> result = new CompletableFuture<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile ScheduledFuture<?> timer;

    Waiting(Waiters waiters, boolean task, String queue, long waitMs, Supplier<CompletableFuture<A>> attempt) {
        this.waiters = waiters;
        this.task = task;
        this.queue = queue;
        this.attempt = attempt;
        this.deadlineNanos = System.nanoTime() + waitMs * 1_000_000L;
    }

    /**
     * Handles one attempt's answer: completes the request (then returns {@link #FINISHED}) or
     * returns in how many milliseconds to look again (at most {@code leftMs}).
     *
     * @param leftMs time until the deadline, 0 or less when it has passed
     */
    abstract long attempted(A answer, long leftMs);

    /** Handles a failed attempt (the cause unwrapped); must complete the request. */
    abstract void failed(Throwable cause);

    final CompletableFuture<R> start() {
        if (!waiters.add(task, queue, this)) {
            result.completeExceptionally(SpoolException.tooMany("too many waiting requests", 100));
            return result;
        }
        wake();
        return result;
    }

    @Override
    public final void wake() {
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
                failed(err instanceof CompletionException && err.getCause() != null ? err.getCause() : err);
                return;
            }
            long next = attempted(a, (deadlineNanos - System.nanoTime()) / 1_000_000L);
            if (next == FINISHED) {
                return;
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

    final void finish(R value) {
        done();
        result.complete(value);
    }

    final void fail(Throwable t) {
        done();
        result.completeExceptionally(t);
    }

    private void done() {
        waiters.remove(task, queue, this);
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }
}
