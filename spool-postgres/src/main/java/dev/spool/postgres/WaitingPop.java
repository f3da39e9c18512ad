package dev.spool.postgres;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * A pop waiting for its first message. Each wake runs one pop attempt; an empty attempt also says
 * when the group's next delay or lease ends, and the waiter looks again then, at its deadline, or
 * at the safety re-check, whichever comes first.
 */
final class WaitingPop extends Waiting<WaitingPop.Attempt, List<Delivery>> {
    /**
     * One pop attempt.
     *
     * @param messages what it leased
     * @param nextDueInMs when the next delay or lease of the group ends, -1 when none
     */
    record Attempt(List<Delivery> messages, long nextDueInMs) {
    }

    private volatile boolean answered;

    WaitingPop(Waiters waiters, String queue, long waitMs, Supplier<CompletableFuture<Attempt>> attempt) {
        super(waiters, false, queue, waitMs, attempt);
    }

    @Override
    long attempted(Attempt a, long leftMs) {
        answered = true;
        if (!a.messages().isEmpty() || leftMs <= 0) {
            finish(a.messages());
            return FINISHED;
        }
        long next = Math.min(leftMs, SAFETY_MS);
        return a.nextDueInMs() >= 0 ? Math.min(next, a.nextDueInMs() + 1) : next;
    }

    @Override
    void failed(Throwable cause) {
        // a queue missing at the first attempt is the caller's error; later, it was deleted meanwhile
        if (answered && cause instanceof SpoolException s && s.code() == ErrorCode.QUEUE_NOT_FOUND) {
            finish(List.of());
        } else {
            fail(cause);
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
