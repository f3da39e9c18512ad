package dev.spool.postgres;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import dev.spool.api.ErrorCode;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.SpoolException;

/**
 * A task view waiting for a terminal state, registered before its first look so that it counts
 * toward {@code maxWaiters} at once. It looks again when a message of its queue finished
 * (notification), when the message's lease, delay or TTL ends (timer), or on the safety re-check.
 * A message that vanished while watched was either forgotten after an ack (retention 0, no
 * result: reported ACKED) or dropped by its TTL (reported EXPIRED).
 */
final class WaitingTask implements Waiters.Waiter {
    private final Waiters waiters;
    private final String queue;
    private final Supplier<CompletableFuture<ViewOps.Snapshot>> attempt;
    private final long deadlineNanos;
    private final CompletableFuture<MessageView> result = new CompletableFuture<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile ViewOps.Snapshot last;
    private volatile long lastSeenAt;
    private volatile ScheduledFuture<?> timer;

    WaitingTask(Waiters waiters, String queue, long waitMs, Supplier<CompletableFuture<ViewOps.Snapshot>> attempt) {
        this.waiters = waiters;
        this.queue = queue;
        this.attempt = attempt;
        this.deadlineNanos = System.nanoTime() + waitMs * 1_000_000L;
    }

    CompletableFuture<MessageView> start() {
        if (!waiters.add(true, queue, this)) {
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
        attempt.get().whenComplete((s, err) -> {
            if (err != null) {
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                if (last != null && cause instanceof SpoolException e && e.code() == ErrorCode.MESSAGE_NOT_FOUND) {
                    finish(vanished());
                } else {
                    done();
                    result.completeExceptionally(cause);
                }
                return;
            }
            last = s;
            lastSeenAt = System.currentTimeMillis();
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000L;
            if (s.view().state().isTerminal() || left <= 0) {
                finish(s.view());
                return;
            }
            long next = Math.min(left, WaitingPop.SAFETY_MS);
            next = Math.min(next, Math.max(0, s.expiresAt() - s.nowMs()) + 1);
            if (s.view().availableAt() > 0) {
                next = Math.min(next, Math.max(0, s.view().availableAt() - s.nowMs()) + 1);
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

    private MessageView vanished() {
        ViewOps.Snapshot s = last;
        MessageView v = s.view();
        long dbNow = s.nowMs() + (System.currentTimeMillis() - lastSeenAt);
        MessageState state = s.expiresAt() <= dbNow && v.state() != MessageState.IN_FLIGHT
                || s.expiresAt() <= dbNow && v.availableAt() <= dbNow ? MessageState.EXPIRED : MessageState.ACKED;
        return new MessageView(v.id(), v.queue(), v.group(), state, v.attempts(), v.enqueuedAt(), 0, v.lastError(),
                Optional.empty(), Optional.empty());
    }

    private void finish(MessageView v) {
        done();
        result.complete(v);
    }

    private void done() {
        waiters.remove(true, queue, this);
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }

    @Override
    public void queueDeleted() {
        wake();
    }

    @Override
    public void cancel() {
        ViewOps.Snapshot s = last;
        if (s != null) {
            finish(s.view());
        } else {
            done();
            result.completeExceptionally(new SpoolException(ErrorCode.UNAVAILABLE, "the broker is closed"));
        }
    }
}
